namespace HookRelay.Events;

/// <summary>
/// The GANETI_* variables of one hook run, with a record of which ones a typed section
/// has taken, so that everything left over lands in <see cref="HookEvent.Params"/>.
/// </summary>
internal sealed class EnvReader(SortedDictionary<string, string> vars)
{
    private readonly HashSet<string> _consumed = new(StringComparer.Ordinal);

    public SortedDictionary<string, string> Vars => vars;

    public string? Get(string key)
    {
        if (!vars.TryGetValue(key, out var value))
        {
            return null;
        }
        _consumed.Add(key);
        return value;
    }

    public void Consume(string key) => _consumed.Add(key);

    public bool IsConsumed(string key) => _consumed.Contains(key);

    public IEnumerable<KeyValuePair<string, string>> WithPrefix(string prefix) =>
        vars.Where(kv => kv.Key.StartsWith(prefix, StringComparison.Ordinal));
}
