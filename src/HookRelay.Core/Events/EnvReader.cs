namespace HookRelay.Events;

/// <summary>
/// The GANETI_* variables of one hook run, with a record of which ones a typed section
/// has taken, so that everything left over lands in <see cref="HookEvent.Params"/>.
/// </summary>
internal sealed class EnvReader(OrdinalDictionary vars)
{
    // By position in the sorted variables: marking one costs nothing and the leftovers are one pass.
    private readonly bool[] _consumed = new bool[vars.Count];

    public OrdinalDictionary Vars => vars;

    public string? Get(string key)
    {
        var index = vars.IndexOf(key);
        if (index < 0)
        {
            return null;
        }
        _consumed[index] = true;
        return vars.At(index).Value;
    }

    public bool Has(string key) => vars.IndexOf(key) >= 0;

    /// <summary>The variables whose names start with <paramref name="prefix"/>, in order, each with its position for <see cref="Consume"/>.</summary>
    public IEnumerable<(int Index, string Key, string Value)> WithPrefix(string prefix)
    {
        var (start, length) = vars.RangeOf(prefix).GetOffsetAndLength(vars.Count);
        for (var i = start; i < start + length; i++)
        {
            var (key, value) = vars.At(i);
            yield return (i, key, value);
        }
    }

    public void Consume(int index) => _consumed[index] = true;

    public bool IsConsumed(int index) => _consumed[index];
}
