using HookRelay.Posix;

namespace HookRelay.Tests.Posix;

public class HostNameTests
{
    [Fact]
    public void The_host_name_is_the_one_dotnet_name_resolution_gives_whole_not_cut_at_a_dot()
    {
        Assert.Equal(System.Net.Dns.GetHostName(), HostName.Get());
        Assert.NotEmpty(HostName.Get());
    }
}
