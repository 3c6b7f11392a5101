using System.Net;
using System.Reflection;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace LatentSharp.Cli.Serving;

/// <summary>
/// The web server of <c>latent serve</c>: the explorer page at / and its JSON endpoints under /api. Nothing a request
/// says becomes a file path; every number and index is checked and a bad one gets 400 with <c>{"error": "…"}</c>.
/// </summary>
internal static class ExplorerServer
{
    private const string PageResource = "LatentSharp.Cli.Serving.explorer.html";
    private const int MaxSamples = 64;

    private static readonly Lazy<byte[]> Page = new(() =>
    {
        using Stream stream = Assembly.GetExecutingAssembly().GetManifestResourceStream(PageResource)
            ?? throw new InvalidOperationException($"The explorer page ({PageResource}) is missing from the assembly.");
        using var copy = new MemoryStream();
        stream.CopyTo(copy);
        return copy.ToArray();
    });

    /// <summary>A server for <paramref name="explorer"/> on <paramref name="host"/> (an IP address or "localhost"); port 0 picks a free one.</summary>
    public static WebApplication Build(Explorer explorer, string host, int port, TextWriter? errors = null)
    {
        if (port is < 0 or > 65535) throw new UsageException($"--port must be in [0, 65535], not {port}.");
        bool localhost = string.Equals(host, "localhost", StringComparison.OrdinalIgnoreCase);
        if (!localhost && !IPAddress.TryParse(host, out _)) throw new UsageException($"--host must be an IP address (e.g. 127.0.0.1) or localhost, not \"{host}\".");

        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions { Args = [], ContentRootPath = AppContext.BaseDirectory });
        builder.Logging.ClearProviders();
        builder.WebHost.UseKestrel(kestrel =>
        {
            kestrel.AddServerHeader = false;
            kestrel.Limits.MaxRequestBodySize = 4 * RequestBody.MaxBytes; // a backstop: RequestBody refuses first, with a 400
            if (localhost) kestrel.ListenLocalhost(port);
            else kestrel.Listen(IPAddress.Parse(host), port);
        });
        WebApplication app = builder.Build();
        app.Use(async (context, next) =>
        {
            context.Response.Headers.XContentTypeOptions = "nosniff";
            try
            {
                await next(context);
            }
            catch (BadRequestException e)
            {
                await Error(context, StatusCodes.Status400BadRequest, e.Message);
            }
            catch (BadHttpRequestException e)
            {
                await Error(context, StatusCodes.Status400BadRequest, e.Message);
            }
            catch (Exception e) when (!context.RequestAborted.IsCancellationRequested)
            {
                errors?.WriteLine($"latent serve: {context.Request.Path}: {e}");
                await Error(context, StatusCodes.Status500InternalServerError, $"The server failed: {e.Message}");
            }
        });
        Map(app, explorer);
        return app;
    }

    /// <summary>The address the started server listens on, e.g. http://127.0.0.1:5000.</summary>
    public static string Address(WebApplication app) => app.Urls.First().Replace("[::1]", "localhost", StringComparison.Ordinal);

    private static void Map(WebApplication app, Explorer explorer)
    {
        int l = explorer.LatentSize, testCount = explorer.Test.Count;

        app.MapGet("/", (HttpContext context) =>
        {
            context.Response.Headers.CacheControl = "no-store";
            context.Response.Headers.ContentSecurityPolicy =
                "default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; img-src 'self' data: blob:; connect-src 'self'";
            return Results.Bytes(Page.Value, "text/html; charset=utf-8");
        });

        app.MapGet("/api/info", () => Results.Json(new
        {
            model = explorer.Model.Spec.ToString(),
            kind = explorer.Model.Spec.Kind,
            latentSize = l,
            channels = explorer.Model.Spec.Channels,
            height = explorer.Model.Spec.Height,
            width = explorer.Model.Spec.Width,
            data = explorer.Test.Name,
            testCount,
            classNames = explorer.Test.HasLabels ? explorer.Test.ClassNames : null,
            conditionClasses = explorer.ConditionClasses,
            sampleSource = explorer.SampleSource,
            sliders = explorer.SliderDimensions.Select(j => new
            {
                dimension = j,
                low = explorer.Ranges[j].Low,
                high = explorer.Ranges[j].High,
                variance = Math.Round(explorer.Variances[j], 4),
                active = explorer.Variances[j] > 0.01,
            }),
            activeCount = explorer.Variances.Count(v => v > 0.01),
            meanCode = explorer.CodeMeans.Select(m => Math.Round(m, 4)),
            maxRequestBytes = RequestBody.MaxBytes,
        }));

        app.MapPost("/api/decode", async (HttpRequest request) =>
        {
            JsonElement body = await RequestBody.ReadObjectAsync(request);
            float[] z = RequestBody.Vector(body, "z", l);
            CheckCondition(body, explorer);
            float[] x = await explorer.DecodeAsync(z);
            return Results.Bytes(explorer.Png(x), "image/png");
        });

        app.MapPost("/api/sample", async (HttpRequest request) =>
        {
            JsonElement body = await RequestBody.ReadObjectAsync(request);
            int count = 8;
            if (RequestBody.Optional(body, "count") is { } c && (c.ValueKind != JsonValueKind.Number || !c.TryGetInt32(out count) || count < 1 || count > MaxSamples))
                throw new BadRequestException($"\"count\" must be an integer in [1, {MaxSamples}].");
            ulong seed = RequestBody.Optional(body, "seed") is { } s
                ? s.ValueKind == JsonValueKind.Number && s.TryGetUInt64(out ulong v) ? v : throw new BadRequestException("\"seed\" must be a non-negative integer.")
                : (ulong)Random.Shared.NextInt64();
            CheckCondition(body, explorer);
            float[] codes = await explorer.SampleCodesAsync(count, seed);
            var samples = new object[count];
            for (int i = 0; i < count; i++)
            {
                float[] z = codes.AsSpan(i * l, l).ToArray();
                samples[i] = new { z, image = DataUrl(explorer.Png(await explorer.DecodeAsync(z))) };
            }
            return Results.Json(new { source = explorer.SampleSource, seed, samples });
        });

        app.MapGet("/api/test-image/{index}", (string index, HttpContext context) =>
        {
            int i = RequestBody.Index(index, "The index", testCount, "test images");
            context.Response.Headers.CacheControl = "max-age=3600";
            return Results.Bytes(explorer.Png(explorer.Test.Image(i)), "image/png");
        });

        app.MapPost("/api/encode", async (HttpRequest request) =>
        {
            JsonElement body = await RequestBody.ReadObjectAsync(request);
            int i = RequestBody.Index(body, "index", testCount, "test images");
            float[] z = await explorer.EncodeAsync(i);
            int? label = explorer.Test.HasLabels ? explorer.Test.Labels[i] : null;
            return Results.Json(new
            {
                index = i,
                label,
                className = label is int k ? explorer.Test.ClassNames[k] : null,
                z,
                image = DataUrl(explorer.Png(await explorer.DecodeAsync(z))),
            });
        });

        app.MapPost("/api/interpolate", async (HttpRequest request) =>
        {
            JsonElement body = await RequestBody.ReadObjectAsync(request);
            int from = RequestBody.Index(body, "from", testCount, "test images");
            int to = RequestBody.Index(body, "to", testCount, "test images");
            float t = RequestBody.Number(body, "t", 0f, 1f);
            float[] a = await explorer.EncodeAsync(from), b = await explorer.EncodeAsync(to);
            var z = new float[l];
            for (int j = 0; j < l; j++) z[j] = (1 - t) * a[j] + t * b[j];   // a straight line between the two posterior means
            return Results.Json(new { from, to, t, z, image = DataUrl(explorer.Png(await explorer.DecodeAsync(z))) });
        });

        app.MapGet("/api/embedding", () =>
        {
            float[] p = explorer.Embedding;
            int n = p.Length / 2;
            return Results.Json(new
            {
                axes = explorer.EmbeddingAxes,
                x = Enumerable.Range(0, n).Select(i => p[2 * i]),
                y = Enumerable.Range(0, n).Select(i => p[2 * i + 1]),
                labels = explorer.EmbeddingLabels,
                classNames = explorer.Test.HasLabels ? explorer.Test.ClassNames : null,
            });
        });

        app.MapPost("/api/embedding/decode", async (HttpRequest request) =>
        {
            JsonElement body = await RequestBody.ReadObjectAsync(request);
            float x = RequestBody.Number(body, "x", -1e6f, 1e6f), y = RequestBody.Number(body, "y", -1e6f, 1e6f);
            float[] z = explorer.CodeAt(x, y);
            return Results.Json(new { x, y, z, image = DataUrl(explorer.Png(await explorer.DecodeAsync(z))) });
        });

        app.MapFallback("/api/{**rest}", (HttpContext context) =>
            Results.Json(new { error = $"No endpoint {context.Request.Method} {context.Request.Path}; see GET /api/info." }, statusCode: StatusCodes.Status404NotFound));
    }

    /// <summary>
    /// The seam for conditional models: a "class" field is refused while the model has no classes. When a conditional
    /// model lands, validate the index against <see cref="Explorer.ConditionClasses"/> here and pass it to the decoder.
    /// </summary>
    private static void CheckCondition(JsonElement body, Explorer explorer)
    {
        if (RequestBody.Optional(body, "class") is not { } value) return;
        if (explorer.ConditionClasses is not { } classes)
            throw new BadRequestException("This model is not conditional: leave out \"class\".");
        RequestBody.IndexValue(value, "class", classes.Count, "classes");
        throw new BadRequestException("Conditional decoding is not implemented yet.");
    }

    private static string DataUrl(byte[] png) => "data:image/png;base64," + Convert.ToBase64String(png);

    private static Task Error(HttpContext context, int status, string message)
    {
        if (context.Response.HasStarted) return Task.CompletedTask;
        context.Response.Clear();
        context.Response.StatusCode = status;
        return context.Response.WriteAsJsonAsync(new { error = message });
    }
}
