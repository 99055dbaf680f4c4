namespace HookRelay.Events;

/// <summary>Reads an instance from GANETI_INSTANCE_* (or GANETI_POST_INSTANCE_*) variables.</summary>
internal static class InstanceParser
{
    // A hostile DISK_COUNT must not make us allocate millions of entries.
    private const int MaxDevices = 256;

    public static InstanceInfo? Parse(EnvReader env, string prefix)
    {
        var keys = InstanceKeys.For(prefix);
        if (env.Get(keys.Name) is not { } name)
        {
            return null;
        }
        var disks = new Devices();
        var nics = new Devices();
        var be = new OrdinalDictionary.Builder();
        var hv = new OrdinalDictionary.Builder();
        foreach (var (index, key, value) in env.WithPrefix(prefix))
        {
            var rest = key.AsSpan(prefix.Length);
            if (rest.StartsWith("BE_", StringComparison.Ordinal))
            {
                be.Add(NameCache.Of(rest[3..]), value);
            }
            else if (rest.StartsWith("HV_", StringComparison.Ordinal))
            {
                hv.Add(NameCache.Of(rest[3..]), value);
            }
            else if (!TryIndexed(rest, "DISK", disks, value) && !TryIndexed(rest, "NIC", nics, value))
            {
                continue;
            }
            env.Consume(index);
        }
        disks.Declare(GanetiValues.Int(env.Get(keys.DiskCount)));
        nics.Declare(GanetiValues.Int(env.Get(keys.NicCount)));

        return new InstanceInfo
        {
            Name = name,
            Primary = env.Get(keys.Primary),
            Secondaries = GanetiValues.List(env.Get(keys.Secondaries)),
            Os = env.Get(keys.Os),
            Status = env.Get(keys.Status),
            MemoryMib = GanetiValues.Long(env.Get(keys.Memory)),
            MinmemMib = GanetiValues.Long(env.Get(keys.Minmem)),
            MaxmemMib = GanetiValues.Long(env.Get(keys.Maxmem)),
            Vcpus = GanetiValues.Int(env.Get(keys.Vcpus)),
            DiskTemplate = env.Get(keys.DiskTemplate),
            Hypervisor = env.Get(keys.Hypervisor),
            Tags = GanetiValues.List(env.Get(keys.Tags)),
            Disks = [.. disks.InOrder().Select(d => Disk(d.Index, d.Fields))],
            Nics = [.. nics.InOrder().Select(n => Nic(n.Index, n.Fields))],
            Be = be.Build(),
            Hv = hv.Build(),
        };
    }

    /// <summary>The variable names of an instance under one prefix, made once: every event looks up these for two instances.</summary>
    private sealed class InstanceKeys(string prefix)
    {
        private static readonly InstanceKeys Current = new("GANETI_INSTANCE_");
        private static readonly InstanceKeys After = new("GANETI_POST_INSTANCE_");

        public static InstanceKeys For(string prefix) =>
            prefix == Current.Prefix ? Current : prefix == After.Prefix ? After : new InstanceKeys(prefix);

        public string Prefix { get; } = prefix;
        public string Name { get; } = prefix + "NAME";
        public string DiskCount { get; } = prefix + "DISK_COUNT";
        public string NicCount { get; } = prefix + "NIC_COUNT";
        public string Primary { get; } = prefix + "PRIMARY";
        public string Secondaries { get; } = prefix + "SECONDARIES";
        public string Os { get; } = prefix + "OS_TYPE";
        public string Status { get; } = prefix + "STATUS";
        public string Memory { get; } = prefix + "MEMORY";
        public string Minmem { get; } = prefix + "MINMEM";
        public string Maxmem { get; } = prefix + "MAXMEM";
        public string Vcpus { get; } = prefix + "VCPUS";
        public string DiskTemplate { get; } = prefix + "DISK_TEMPLATE";
        public string Hypervisor { get; } = prefix + "HYPERVISOR";
        public string Tags { get; } = prefix + "TAGS";
    }

    /// <summary>An instance's disks or NICs by index, each with its fields; in index order, however the names sort ("DISK10" before "DISK2").</summary>
    private sealed class Devices
    {
        private readonly List<Dictionary<string, string>?> _byIndex = [];

        public Dictionary<string, string> At(int index)
        {
            while (_byIndex.Count <= index)
            {
                _byIndex.Add(null);
            }
            return _byIndex[index] ??= new Dictionary<string, string>(StringComparer.Ordinal);
        }

        /// <summary>Every device below the count Ganeti declared exists, with or without fields.</summary>
        public void Declare(int? count)
        {
            for (var i = 0; i < Math.Min(count ?? 0, MaxDevices); i++)
            {
                At(i);
            }
        }

        public IEnumerable<(int Index, Dictionary<string, string> Fields)> InOrder()
        {
            for (var i = 0; i < _byIndex.Count; i++)
            {
                if (_byIndex[i] is { } fields)
                {
                    yield return (i, fields);
                }
            }
        }
    }

    /// <summary>Matches "DISK3_SIZE" style names; the count variables ("DISK_COUNT") are not indexed.</summary>
    private static bool TryIndexed(ReadOnlySpan<char> rest, string kind, Devices into, string value)
    {
        if (!rest.StartsWith(kind, StringComparison.Ordinal))
        {
            return false;
        }
        var tail = rest[kind.Length..];
        var underscore = tail.IndexOf('_');
        if (underscore <= 0 || underscore > 3 || !int.TryParse(tail[..underscore], out var index)
            || index < 0 || index >= MaxDevices || !char.IsAsciiDigit(tail[0]))
        {
            return false;
        }
        into.At(index)[NameCache.Of(tail[(underscore + 1)..])] = value;
        return true;
    }

    private static DiskInfo Disk(int index, Dictionary<string, string> f) => new()
    {
        Index = index,
        SizeMib = GanetiValues.Long(Take(f, "SIZE")),
        Mode = Take(f, "MODE"),
        Name = GanetiValues.NullIfEmpty(Take(f, "NAME")),
        Uuid = GanetiValues.NullIfEmpty(Take(f, "UUID")),
        DevType = Take(f, "DEV_TYPE"),
        Driver = Take(f, "DRIVER"),
        Id = Take(f, "ID"),
        Extra = Lowered(f),
    };

    private static NicInfo Nic(int index, Dictionary<string, string> f)
    {
        var networkName = Take(f, "NETWORK_NAME");
        NicNetworkInfo? network = null;
        if (!string.IsNullOrEmpty(networkName))
        {
            network = new NicNetworkInfo
            {
                Name = networkName,
                Uuid = GanetiValues.NullIfEmpty(Take(f, "NETWORK_UUID")),
                Subnet = GanetiValues.NullIfEmpty(Take(f, "NETWORK_SUBNET")),
                Subnet6 = GanetiValues.NullIfEmpty(Take(f, "NETWORK_SUBNET6")),
                Gateway = GanetiValues.NullIfEmpty(Take(f, "NETWORK_GATEWAY")),
                Gateway6 = GanetiValues.NullIfEmpty(Take(f, "NETWORK_GATEWAY6")),
                MacPrefix = GanetiValues.NullIfEmpty(Take(f, "NETWORK_MAC_PREFIX")),
                Tags = GanetiValues.List(Take(f, "NETWORK_TAGS")),
            };
        }
        return new NicInfo
        {
            Index = index,
            Name = GanetiValues.NullIfEmpty(Take(f, "NAME")),
            Ip = GanetiValues.NullIfEmpty(Take(f, "IP")),
            Mac = GanetiValues.NullIfEmpty(Take(f, "MAC")),
            Mode = GanetiValues.NullIfEmpty(Take(f, "MODE")),
            Link = GanetiValues.NullIfEmpty(Take(f, "LINK")),
            Bridge = GanetiValues.NullIfEmpty(Take(f, "BRIDGE")),
            Vlan = GanetiValues.NullIfEmpty(Take(f, "VLAN")),
            Uuid = GanetiValues.NullIfEmpty(Take(f, "UUID")),
            Network = network,
            Extra = Lowered(f),
        };
    }

    private static string? Take(Dictionary<string, string> fields, string key) =>
        fields.Remove(key, out var value) ? value : null;

    /// <summary>What no typed field took; sorted by the dictionary, whatever order the fields were read in.</summary>
    private static OrdinalDictionary Lowered(Dictionary<string, string> rest)
    {
        var extra = new OrdinalDictionary.Builder(rest.Count);
        foreach (var (k, v) in rest)
        {
            extra.Add(NameCache.Lower(k), v);
        }
        return extra.Build();
    }
}
