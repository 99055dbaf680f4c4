namespace HookRelay.Rules;

/// <summary>One problem in a configuration file, with where it is and what was expected.</summary>
public sealed record ConfigError(string File, long Line, long Column, string Message, bool IsWarning = false)
{
    /// <summary>file:line:column: severity: message; a problem of the whole file (it cannot be read) has no line to name.</summary>
    public override string ToString() =>
        $"{File}{(Line > 0 ? $":{Line}:{Column}" : "")}: {(IsWarning ? "warning" : "error")}: {Message}";
}

/// <summary>A configuration that cannot be used; carries every error found, not just the first.</summary>
public sealed class ConfigException(IReadOnlyList<ConfigError> errors)
    : Exception(errors.Count > 0 ? errors[0].ToString() : "invalid configuration")
{
    public IReadOnlyList<ConfigError> Errors { get; } = errors;

    /// <summary>The first error, and how many more there are: one line for a log.</summary>
    public string Summary =>
        Message + (Errors.Count > 1 ? $" (and {Errors.Count - 1} more; run 'hookrelay config check')" : "");
}
