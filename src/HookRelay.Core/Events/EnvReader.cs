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
    public PrefixRun WithPrefix(string prefix)
    {
        var (start, length) = vars.RangeOf(prefix).GetOffsetAndLength(vars.Count);
        return new PrefixRun(vars, start, start + length);
    }

    /// <summary>A run of sorted variables, enumerated without allocating: the daemon parses two instances per event.</summary>
    public readonly struct PrefixRun(OrdinalDictionary vars, int start, int end)
    {
        public Enumerator GetEnumerator() => new(vars, start, end);

        public struct Enumerator(OrdinalDictionary vars, int start, int end)
        {
            private int _at = start - 1;

            public bool MoveNext() => ++_at < end;

            public readonly (int Index, string Key, string Value) Current => (_at, vars.At(_at).Key, vars.At(_at).Value);
        }
    }

    public void Consume(int index) => _consumed[index] = true;

    public bool IsConsumed(int index) => _consumed[index];
}
