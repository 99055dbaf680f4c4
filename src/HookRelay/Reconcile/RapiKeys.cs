using HookRelay.Sinks.Declaration;

namespace HookRelay.Reconcile;

/// <summary>Where a reconcile reads the cluster: Ganeti's RAPI, its certificate pinned or checked against a CA.</summary>
public static class RapiKeys
{
    public static SinkKey Group { get; } = SinkKey.Group("rapi", "Ganeti's RAPI, read by `reconcile` for the cluster's instances.",
        SinkKey.Text("url", "https://MASTER:5080 (the cluster's master name or address).") with { Required = true },
        SinkKey.Text("user", "A RAPI user (in /var/lib/ganeti/rapi/users); read access is enough."),
        SinkKey.Text("password", "Its password: use a secret reference.") with { IsCredential = true },
        SinkKey.Text("certificate", "Trust the certificate in this PEM file, whatever its name (on a node, the cluster's own /var/lib/ganeti/rapi.pem): Ganeti's RAPI certificate is self-signed."),
        SinkKey.Text("fingerprint", "Trust the certificate with this SHA-256 fingerprint (as `openssl x509 -noout -fingerprint -sha256` prints it).") with { Pattern = "^[0-9A-Fa-f:]{64,95}$" },
        SinkKey.Text("ca_file", "Trust a certificate this CA bundle (PEM) signed for the URL's host. Any of certificate, fingerprint and ca_file may vouch for the server; none: the system's roots."),
        SinkKey.Duration("timeout", "Per request (default 30s)."));
}
