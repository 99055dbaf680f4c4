using System.Collections.Frozen;
using System.Net;

namespace HookRelay.Web;

/// <summary>
/// The page (Web/Page/, embedded in the binary: nodes often have no internet) at / and /ui/*.
/// Served without the token: it holds no data, only the code that asks the API for it with the
/// token the operator types (kept in the browser tab's session storage, sent as a Bearer header,
/// so no cookie a cross-site request could ride on). A strict content security policy lets it run
/// only its own script and talk only to this listener, and no other site may frame it.
/// </summary>
public static class PageAssets
{
    private const string Policy = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; connect-src 'self'; "
        + "form-action 'none'; frame-ancestors 'none'; base-uri 'none'";

    private static readonly FrozenDictionary<string, (string ContentType, string Resource)> Paths = new Dictionary<string, (string, string)>
    {
        ["/"] = ("text/html; charset=utf-8", "page/index.html"),
        ["/ui/app.js"] = ("text/javascript; charset=utf-8", "page/app.js"),
        ["/ui/app.css"] = ("text/css; charset=utf-8", "page/app.css"),
        ["/ui/icon.svg"] = ("image/svg+xml", "page/icon.svg"),
    }.ToFrozenDictionary(StringComparer.Ordinal);

    public static bool Serves(string path) => Paths.ContainsKey(path);

    public static async Task AnswerAsync(string path, HttpListenerResponse response)
    {
        var (contentType, resource) = Paths[path];
        await using var asset = typeof(PageAssets).Assembly.GetManifestResourceStream(resource)
            ?? throw new InvalidOperationException($"the page's {resource} is not in this build");
        response.StatusCode = (int)HttpStatusCode.OK;
        response.ContentType = contentType;
        response.ContentLength64 = asset.Length;
        // A new release's page replaces the old at once: the browser asks again each time (the files are small).
        response.AddHeader("Cache-Control", "no-cache");
        response.AddHeader("Content-Security-Policy", Policy);
        response.AddHeader("X-Content-Type-Options", "nosniff");
        response.AddHeader("Referrer-Policy", "no-referrer");
        await asset.CopyToAsync(response.OutputStream).ConfigureAwait(false);
    }
}
