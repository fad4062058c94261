# A Rack-style handler whose order lookup returns nil for an unknown id.
Order = Struct.new(:id, :total)

class OrdersController
  ORDERS = { "1" => Order.new("1", 42) }

  def show(id)
    order = ORDERS[id]
    { id: order.id, total: order.total }
  end
end

OrdersController.new.show("99")
