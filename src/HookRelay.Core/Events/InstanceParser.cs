namespace HookRelay.Events;

/// <summary>Reads an instance from GANETI_INSTANCE_* (or GANETI_POST_INSTANCE_*) variables.</summary>
internal static class InstanceParser
{
    // A hostile DISK_COUNT must not make us allocate millions of entries.
    private const int MaxDevices = 256;

    public static InstanceInfo? Parse(EnvReader env, string prefix)
    {
        if (env.Get(prefix + "NAME") is not { } name)
        {
            return null;
        }
        var disks = new SortedDictionary<int, Dictionary<string, string>>();
        var nics = new SortedDictionary<int, Dictionary<string, string>>();
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
        AddDeclared(disks, GanetiValues.Int(env.Get(prefix + "DISK_COUNT")));
        AddDeclared(nics, GanetiValues.Int(env.Get(prefix + "NIC_COUNT")));

        return new InstanceInfo
        {
            Name = name,
            Primary = env.Get(prefix + "PRIMARY"),
            Secondaries = GanetiValues.List(env.Get(prefix + "SECONDARIES")),
            Os = env.Get(prefix + "OS_TYPE"),
            Status = env.Get(prefix + "STATUS"),
            MemoryMib = GanetiValues.Long(env.Get(prefix + "MEMORY")),
            MinmemMib = GanetiValues.Long(env.Get(prefix + "MINMEM")),
            MaxmemMib = GanetiValues.Long(env.Get(prefix + "MAXMEM")),
            Vcpus = GanetiValues.Int(env.Get(prefix + "VCPUS")),
            DiskTemplate = env.Get(prefix + "DISK_TEMPLATE"),
            Hypervisor = env.Get(prefix + "HYPERVISOR"),
            Tags = GanetiValues.List(env.Get(prefix + "TAGS")),
            Disks = [.. disks.Select(d => Disk(d.Key, d.Value))],
            Nics = [.. nics.Select(n => Nic(n.Key, n.Value))],
            Be = be.Build(),
            Hv = hv.Build(),
        };
    }

    /// <summary>Matches "DISK3_SIZE" style names; the count variables ("DISK_COUNT") are not indexed.</summary>
    private static bool TryIndexed(ReadOnlySpan<char> rest, string kind,
        SortedDictionary<int, Dictionary<string, string>> into, string value)
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
        if (!into.TryGetValue(index, out var fields))
        {
            fields = new Dictionary<string, string>(StringComparer.Ordinal);
            into[index] = fields;
        }
        fields[NameCache.Of(tail[(underscore + 1)..])] = value;
        return true;
    }

    private static void AddDeclared(SortedDictionary<int, Dictionary<string, string>> devices, int? count)
    {
        for (var i = 0; i < Math.Min(count ?? 0, MaxDevices); i++)
        {
            if (!devices.ContainsKey(i))
            {
                devices[i] = new Dictionary<string, string>(StringComparer.Ordinal);
            }
        }
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
