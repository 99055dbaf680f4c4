using System.Text;
using HookRelay.Events;

namespace HookRelay.Tests.Events;

public class NameCacheTests
{
    [Fact]
    public void A_name_read_twice_is_one_string()
    {
        var first = NameCache.Of("GANETI_INSTANCE_HV_KERNEL_PATH".AsSpan());
        var again = NameCache.Of("GANETI_INSTANCE_HV_KERNEL_PATH"u8);
        Assert.Same(first, again);
        Assert.Same(NameCache.Lower("HV_KERNEL_PATH"), NameCache.Of("hv_kernel_path".AsSpan()));
    }

    [Fact]
    public void Decodes_utf8_as_the_json_reader_would()
    {
        Assert.Equal("GANETI_NOM_é", NameCache.Of(Encoding.UTF8.GetBytes("GANETI_NOM_é")));
        Assert.Equal("\uFFFD", NameCache.Of([0xFF]));
        var longName = new string('X', 500);
        Assert.Equal(longName, NameCache.Of(Encoding.UTF8.GetBytes(longName)));
        Assert.Equal(longName.ToLowerInvariant(), NameCache.Lower(longName));
    }

    [Fact]
    public void Stops_keeping_names_past_its_bound_and_still_returns_them()
    {
        // On a new thread of its own: the cache is per thread, and this one fills it.
        Exception? failed = null;
        var thread = new Thread(() =>
        {
            try
            {
                for (var i = 0; i < 5000; i++)
                {
                    _ = NameCache.Of($"name-{i}".AsSpan());
                }
                var late = NameCache.Of("a-name-after-the-bound".AsSpan());
                Assert.Equal("a-name-after-the-bound", late);
                Assert.NotSame(late, NameCache.Of("a-name-after-the-bound".AsSpan()));
                Assert.Same(NameCache.Of("name-1".AsSpan()), NameCache.Of("name-1".AsSpan()));
            }
            catch (Exception e)
            {
                failed = e;
            }
        });
        thread.Start();
        thread.Join();
        Assert.Null(failed);
    }
}
