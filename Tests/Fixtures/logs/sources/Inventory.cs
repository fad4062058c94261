using System;
using System.Collections.Generic;

namespace Shop.Services
{
    public class InventoryService
    {
        private readonly Dictionary<string, int> stock = new Dictionary<string, int> { ["SKU-1"] = 4 };

        public int Reserve(string sku, int quantity)
        {
            int available = stock[sku];
            return available - quantity;
        }
    }

    public static class Program
    {
        public static void Main()
        {
            try
            {
                new InventoryService().Reserve("SKU-404", 1);
            }
            catch (Exception error)
            {
                Console.Error.WriteLine(error);
            }
        }
    }
}
