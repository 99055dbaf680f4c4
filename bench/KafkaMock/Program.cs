using Confluent.Kafka;

// Prints the mock cluster's bootstrap address, then holds the cluster until stdin closes.
// "count TOPIC": prints how many messages TOPIC holds, and exits.
var config = new ProducerConfig { BootstrapServers = "unused:9092" };
config.Set("test.mock.num.brokers", "1");
using var holder = new ProducerBuilder<Null, string>(config).SetLogHandler((_, _) => { }).Build();
using var admin = new DependentAdminClientBuilder(holder.Handle).Build();
var broker = admin.GetMetadata(TimeSpan.FromSeconds(10)).Brokers.Single();
Console.WriteLine($"{broker.Host}:{broker.Port}");
Console.Out.Flush();
Console.In.ReadToEnd();
