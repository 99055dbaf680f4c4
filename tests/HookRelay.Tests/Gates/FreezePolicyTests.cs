using System.Text;
using HookRelay.Events;
using HookRelay.Gates;
using HookRelay.Rules;
using HookRelay.Tests.Support;

namespace HookRelay.Tests.Gates;

/// <summary>The change-freeze calendar, in Europe/Berlin, across its DST changes (2026-03-29 and 2026-10-25).</summary>
public class FreezePolicyTests
{
    private const string Calendar = """
        freeze:
              timezone: Europe/Berlin
              windows: [ { from: "2026-12-20", to: "2027-01-06", reason: year-end } ]
              weekly: [ { days: [fri], from: "16:00", to: "24:00" } ]
              except: [ { from: "2026-12-28 09:00", to: "2026-12-28 12:00" } ]
        """;

    private static GateVerdict At(DateTimeOffset now)
    {
        var config = ConfigLoader.Parse(Encoding.UTF8.GetBytes($"gates:\n  - name: freeze\n    on_error: deny\n    {Calendar}\n"), "test.yaml");
        var ev = HookEventParser.Parse(Fixtures.Env("instance-add-pre-node1-01"), "node1.lab.example");
        return GateEvaluator.Evaluate(config.Gates[0], ev, new EventAttributes(ev), now);
    }

    [Theory]
    // Winter (UTC+1): Friday 2026-11-27 16:00 Berlin is 15:00 UTC.
    [InlineData("2026-11-27T14:59:00Z", true)]
    [InlineData("2026-11-27T15:00:00Z", false)]
    [InlineData("2026-11-27T22:59:00Z", false)]
    [InlineData("2026-11-27T23:00:00Z", true)]
    // Summer (UTC+2): Friday 2026-07-03 16:00 Berlin is 14:00 UTC.
    [InlineData("2026-07-03T13:59:00Z", true)]
    [InlineData("2026-07-03T14:00:00Z", false)]
    // The week after the spring change (Sunday 2026-03-29): Friday 2026-04-03 16:00 Berlin is 14:00 UTC.
    [InlineData("2026-04-03T13:30:00Z", true)]
    [InlineData("2026-04-03T14:30:00Z", false)]
    // Friday before the autumn change (Sunday 2026-10-25), still summer time: 16:00 is 14:00 UTC.
    [InlineData("2026-10-23T14:30:00Z", false)]
    // Friday after it, winter time: 16:00 is 15:00 UTC.
    [InlineData("2026-10-30T14:30:00Z", true)]
    // The year-end window, in local dates: starts 2026-12-20 00:00 Berlin = 2026-12-19 23:00 UTC.
    [InlineData("2026-12-19T22:59:00Z", true)]
    [InlineData("2026-12-19T23:00:00Z", false)]
    // The exception: 2026-12-28 09:00-12:00 Berlin = 08:00-11:00 UTC.
    [InlineData("2026-12-28T08:30:00Z", true)]
    [InlineData("2026-12-28T11:30:00Z", false)]
    [InlineData("2027-01-05T22:59:00Z", false)]
    [InlineData("2027-01-05T23:00:00Z", true)]
    public void Freeze_follows_wall_clock_time_in_its_zone(string utc, bool allowed)
    {
        var verdict = At(DateTimeOffset.Parse(utc, System.Globalization.CultureInfo.InvariantCulture));
        Assert.True(verdict.Allowed == allowed, $"{utc}: {verdict.Reason}");
    }

    [Fact]
    public void The_denial_names_the_window_its_reason_and_the_local_time()
    {
        var verdict = At(new DateTimeOffset(2026, 12, 24, 10, 0, 0, TimeSpan.Zero));
        Assert.Equal("change freeze (year-end) from 2026-12-20 00:00 to 2027-01-06 00:00 Europe/Berlin (now 2026-12-24 11:00)", verdict.Reason);
        Assert.Equal("change freeze every fri 16:00-24:00 Europe/Berlin (now 2026-11-27 17:00)",
            At(new DateTimeOffset(2026, 11, 27, 16, 0, 0, TimeSpan.Zero)).Reason);
    }

    [Fact]
    public void An_unknown_time_zone_is_a_config_error_with_its_place()
    {
        var e = Assert.Throws<ConfigException>(() => ConfigLoader.Parse(Encoding.UTF8.GetBytes(
            "gates:\n  - name: f\n    on_error: deny\n    freeze: { timezone: Mars/Olympus }\n"), "test.yaml"));
        Assert.Contains(e.Errors, x => x.Line == 4 && x.Message.Contains("'Mars/Olympus' is not a time zone", StringComparison.Ordinal));
    }
}
