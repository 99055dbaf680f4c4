using System.Globalization;

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
            else if (!TryIndexed(key, prefix.Length, "DISK", disks, value) && !TryIndexed(key, prefix.Length, "NIC", nics, value))
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
            Disks = disks.InOrder(Disk),
            Nics = nics.InOrder(Nic),
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
        private readonly List<DeviceFields?> _byIndex = [];

        public DeviceFields At(int index)
        {
            while (_byIndex.Count <= index)
            {
                _byIndex.Add(null);
            }
            return _byIndex[index] ??= new DeviceFields();
        }

        /// <summary>Every device below the count Ganeti declared exists, with or without fields.</summary>
        public void Declare(int? count)
        {
            for (var i = 0; i < Math.Min(count ?? 0, MaxDevices); i++)
            {
                At(i);
            }
        }

        public T[] InOrder<T>(Func<int, DeviceFields, T> make)
        {
            var devices = new List<T>(_byIndex.Count);
            for (var i = 0; i < _byIndex.Count; i++)
            {
                if (_byIndex[i] is { } fields)
                {
                    devices.Add(make(i, fields));
                }
            }
            return [.. devices];
        }
    }

    /// <summary>
    /// One device's fields as read: a handful (a NIC has about a dozen), so a list searched in
    /// place. The field's name stays a part of its variable's name (no string made for it, and
    /// none for the fields a typed property takes); only the ones left over get a name of their own.
    /// </summary>
    private sealed class DeviceFields
    {
        private readonly List<(string Variable, int FieldStart, string Value)> _fields = new(16);

        // Whether a variable wrote this device's index unlike Ganeti ("DISK01_", "DISK1 _"): only
        // then can two variables name one field; otherwise their names, all "…DISK1_" and a field,
        // are distinct and nothing needs looking up.
        private bool _oddlyIndexed;

        /// <summary>A later variable naming the same field ("DISK01_SIZE" then "DISK1_SIZE") replaces the earlier, as a dictionary would.</summary>
        public void Set(string variable, int fieldStart, string value, bool indexAsGanetiWritesIt)
        {
            _oddlyIndexed |= !indexAsGanetiWritesIt;
            var at = _oddlyIndexed ? IndexOf(variable.AsSpan(fieldStart)) : -1;
            if (at >= 0)
            {
                _fields[at] = (variable, fieldStart, value);
            }
            else
            {
                _fields.Add((variable, fieldStart, value));
            }
        }

        /// <summary>The field's value, which no longer counts as left over; null when the device has no such field.</summary>
        public string? Take(string field)
        {
            var at = IndexOf(field);
            if (at < 0)
            {
                return null;
            }
            var value = _fields[at].Value;
            _fields.RemoveAt(at);
            return value;
        }

        /// <summary>What no typed property took, by lower-case name, sorted by the dictionary whatever order the fields came in.</summary>
        public OrdinalDictionary Rest()
        {
            var extra = new OrdinalDictionary.Builder(_fields.Count);
            foreach (var (variable, fieldStart, value) in _fields)
            {
                extra.Add(NameCache.Lower(variable.AsSpan(fieldStart)), value);
            }
            return extra.Build();
        }

        private int IndexOf(ReadOnlySpan<char> field)
        {
            for (var i = 0; i < _fields.Count; i++)
            {
                if (field.SequenceEqual(_fields[i].Variable.AsSpan(_fields[i].FieldStart)))
                {
                    return i;
                }
            }
            return -1;
        }
    }

    /// <summary>Matches "DISK3_SIZE" style names; the count variables ("DISK_COUNT") are not indexed.</summary>
    private static bool TryIndexed(string key, int restStart, string kind, Devices into, string value)
    {
        var rest = key.AsSpan(restStart);
        if (!rest.StartsWith(kind, StringComparison.Ordinal))
        {
            return false;
        }
        var tail = rest[kind.Length..];
        var underscore = tail.IndexOf('_');
        if (underscore <= 0 || underscore > 3 || !char.IsAsciiDigit(tail[0])
            || !int.TryParse(tail[..underscore], NumberStyles.Integer, CultureInfo.InvariantCulture, out var index) || index >= MaxDevices)
        {
            return false;
        }
        var digits = tail[..underscore];
        var canonical = (digits.Length == 1 || digits[0] != '0') && !digits.ContainsAnyExceptInRange('0', '9');
        into.At(index).Set(key, restStart + kind.Length + underscore + 1, value, canonical);
        return true;
    }

    private static DiskInfo Disk(int index, DeviceFields f) => new()
    {
        Index = index,
        SizeMib = GanetiValues.Long(f.Take("SIZE")),
        Mode = f.Take("MODE"),
        Name = GanetiValues.NullIfEmpty(f.Take("NAME")),
        Uuid = GanetiValues.NullIfEmpty(f.Take("UUID")),
        DevType = f.Take("DEV_TYPE"),
        Driver = f.Take("DRIVER"),
        Id = f.Take("ID"),
        Extra = f.Rest(),
    };

    private static NicInfo Nic(int index, DeviceFields f)
    {
        var networkName = f.Take("NETWORK_NAME");
        NicNetworkInfo? network = null;
        if (!string.IsNullOrEmpty(networkName))
        {
            network = new NicNetworkInfo
            {
                Name = networkName,
                Uuid = GanetiValues.NullIfEmpty(f.Take("NETWORK_UUID")),
                Subnet = GanetiValues.NullIfEmpty(f.Take("NETWORK_SUBNET")),
                Subnet6 = GanetiValues.NullIfEmpty(f.Take("NETWORK_SUBNET6")),
                Gateway = GanetiValues.NullIfEmpty(f.Take("NETWORK_GATEWAY")),
                Gateway6 = GanetiValues.NullIfEmpty(f.Take("NETWORK_GATEWAY6")),
                MacPrefix = GanetiValues.NullIfEmpty(f.Take("NETWORK_MAC_PREFIX")),
                Tags = GanetiValues.List(f.Take("NETWORK_TAGS")),
            };
        }
        return new NicInfo
        {
            Index = index,
            Name = GanetiValues.NullIfEmpty(f.Take("NAME")),
            Ip = GanetiValues.NullIfEmpty(f.Take("IP")),
            Mac = GanetiValues.NullIfEmpty(f.Take("MAC")),
            Mode = GanetiValues.NullIfEmpty(f.Take("MODE")),
            Link = GanetiValues.NullIfEmpty(f.Take("LINK")),
            Bridge = GanetiValues.NullIfEmpty(f.Take("BRIDGE")),
            Vlan = GanetiValues.NullIfEmpty(f.Take("VLAN")),
            Uuid = GanetiValues.NullIfEmpty(f.Take("UUID")),
            Network = network,
            Extra = f.Rest(),
        };
    }
}
