import java.io.IOException;
import java.rmi.RemoteException;

/** A service whose remote inventory call fails: the JDK's RemoteException carries its cause in its message. */
public class OrderLookup {
    static String reserve(String sku) throws RemoteException {
        try {
            throw new IOException("Connection refused to host: inventory.internal");
        } catch (IOException error) {
            throw new RemoteException("inventory reservation failed for " + sku, error);
        }
    }

    public static void main(String[] args) {
        try {
            reserve("SKU-1042");
        } catch (RemoteException error) {
            error.printStackTrace();
        }
    }
}
