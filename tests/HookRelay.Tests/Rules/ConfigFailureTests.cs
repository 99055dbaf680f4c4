using HookRelay.Posix;
using HookRelay.Rules;

namespace HookRelay.Tests.Rules;

public class ConfigFailureTests
{
    private static readonly FileIdentity Identity = new(2049, 131_000, 880, 1_700_000_000_000_000_000, 1_700_000_000_000_000_000);

    private static ConfigFailure Failure() => new(Identity, Identity.ChangedNs + 5_000_000_000,
    [
        new ConfigError("/etc/hookrelay/hookrelay.yaml", 12, 7, "unknown key 'descripton' (did you mean 'description'?)"),
        new ConfigError("/etc/hookrelay/hookrelay.yaml", 30, 1, "route 'x' can never apply", IsWarning: true),
        new ConfigError("/etc/hookrelay/hookrelay.yaml", 0, 0, "sans ligne: été"),
    ]);

    [Fact]
    public void A_failure_reads_back_as_the_errors_and_identity_it_was_written_with()
    {
        var failure = Failure();
        var read = ConfigFailure.FromBytes(failure.ToBytes(), "/etc/hookrelay/hookrelay.yaml")!;
        Assert.Equal(failure.Identity, read.Identity);
        Assert.Equal(failure.TakenNs, read.TakenNs);
        Assert.Equal(failure.Errors, read.Errors);
        Assert.Equal(failure.Exception.Summary, read.Exception.Summary);
    }

    [Fact]
    public void Torn_or_foreign_bytes_read_as_no_failure()
    {
        var bytes = Failure().ToBytes();
        for (var length = 0; length < bytes.Length; length++)
        {
            Assert.Null(ConfigFailure.FromBytes(bytes[..length], "x"));
        }
        Assert.Null(ConfigFailure.FromBytes([.. bytes, 0], "x"));
        Assert.Null(ConfigFailure.FromBytes("routes: []\n"u8.ToArray(), "x"));
    }

    [Fact]
    public void A_failure_describes_only_the_file_it_was_found_in_once_that_had_settled()
    {
        Assert.True(Failure().Describes(Identity));
        Assert.False(Failure().Describes(Identity with { Size = 881 }));
        Assert.False((Failure() with { TakenNs = Identity.ChangedNs + 10 }).Describes(Identity));
        Assert.False((Failure() with { Identity = null }).Describes(Identity));
    }
}
