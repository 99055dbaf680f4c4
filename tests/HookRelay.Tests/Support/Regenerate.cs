namespace HookRelay.Tests.Support;

/// <summary>
/// UPDATE_GOLDEN=1 and UPDATE_FIXTURES=1 rewrite expected outputs from what the code produces now,
/// so a test run with them compares the code with itself. That is a developer's deliberate step,
/// read as a diff before committing; under CI it would turn every golden test into one that cannot
/// fail, so there it is refused.
/// </summary>
public static class Regenerate
{
    public static bool Golden => Requested("UPDATE_GOLDEN");

    public static bool Fixtures => Requested("UPDATE_FIXTURES");

    private static bool Requested(string variable)
    {
        if (Environment.GetEnvironmentVariable(variable) != "1")
        {
            return false;
        }
        if (RequiredService.InCi)
        {
            Assert.Fail($"{variable}=1 rewrites the expected files from the code under test; it is refused under CI (CI='{Environment.GetEnvironmentVariable("CI")}')");
        }
        return true;
    }
}
