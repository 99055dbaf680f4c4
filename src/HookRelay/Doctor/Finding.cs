namespace HookRelay.Doctor;

public enum Verdict
{
    Ok,
    Warn,
    Fail,
}

/// <summary>One thing `doctor` looked at: what it found, and the command that fixes it when it is not right.</summary>
public sealed record Finding(string Area, Verdict Verdict, string Says, string? Fix = null)
{
    public static Finding Ok(string area, string says) => new(area, Verdict.Ok, says);

    public static Finding Warn(string area, string says, string? fix = null) => new(area, Verdict.Warn, says, fix);

    public static Finding Fail(string area, string says, string? fix = null) => new(area, Verdict.Fail, says, fix);
}
