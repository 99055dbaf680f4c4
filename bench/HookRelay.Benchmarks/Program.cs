using BenchmarkDotNet.Running;

BenchmarkSwitcher.FromAssembly(typeof(HookRelay.Benchmarks.OutboxEnqueueBenchmarks).Assembly).Run(args);
