Console.WriteLine("harness placeholder");
