using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using LatentSharp.Cli;
using LatentSharp.Cli.Serving;
using LatentSharp.Imaging;

namespace LatentSharp.Tests.Cli.Serve;

/// <summary>The explorer's JSON endpoints over plain HTTP: no browser needed.</summary>
[Collection(ServeCollection.Name)]
public sealed class ServeApiTests(ServeFixture server)
{
    private HttpClient Client => server.Client;

    private async Task<JsonElement> PostJson(string path, string body)
    {
        using HttpResponseMessage response = await Client.PostAsync(path, new StringContent(body, Encoding.UTF8, "application/json"));
        Assert.True(response.IsSuccessStatusCode, $"{path} {body}: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
        return await response.Content.ReadFromJsonAsync<JsonElement>();
    }

    private async Task<byte[]> Decode(params float[] z)
    {
        using HttpResponseMessage response = await Client.PostAsJsonAsync("api/decode", new { z });
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("image/png", response.Content.Headers.ContentType?.MediaType);
        return await response.Content.ReadAsByteArrayAsync();
    }

    private static async Task AssertBadRequest(HttpResponseMessage response, string expected)
    {
        string text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.BadRequest, $"expected 400, got {(int)response.StatusCode}: {text}");
        Assert.Equal("application/json", response.Content.Headers.ContentType?.MediaType);
        string message = JsonDocument.Parse(text).RootElement.GetProperty("error").GetString()!;
        Assert.Contains(expected, message);
    }

    private static float[] Floats(JsonElement array) => array.EnumerateArray().Select(e => e.GetSingle()).ToArray();

    [Fact]
    public async Task Info_DescribesTheModelAndItsSliders()
    {
        JsonElement info = await Client.GetFromJsonAsync<JsonElement>("api/info");
        Assert.Equal(2, info.GetProperty("latentSize").GetInt32());
        Assert.Equal(server.Explorer.Test.Count, info.GetProperty("testCount").GetInt32());
        Assert.Equal(JsonValueKind.Null, info.GetProperty("conditionClasses").ValueKind);
        int[] dims = info.GetProperty("sliders").EnumerateArray().Select(s => s.GetProperty("dimension").GetInt32()).ToArray();
        Assert.Equal([0, 1], dims.Order());
        foreach (JsonElement s in info.GetProperty("sliders").EnumerateArray())
            Assert.True(s.GetProperty("low").GetDouble() <= -3 && s.GetProperty("high").GetDouble() >= 3, "a VAE's sliders reach ±3 prior standard deviations");
    }

    [Fact]
    public async Task Page_IsServedWithoutExternalReferences()
    {
        using HttpResponseMessage response = await Client.GetAsync("");
        string html = await response.Content.ReadAsStringAsync();
        Assert.Equal("text/html", response.Content.Headers.ContentType?.MediaType);
        Assert.Contains("<canvas id=\"embedding\"", html);
        Assert.DoesNotContain("http://", html);
        Assert.DoesNotContain("https://", html);
    }

    [Fact]
    public async Task Decode_ACode_GivesAPngOfTheModelsSizeThatDependsOnTheCode()
    {
        Image a = Png.Decode(await Decode(0f, 0f));
        Image b = Png.Decode(await Decode(3f, -3f));
        Assert.Equal((28, 28), (a.Width, a.Height));
        Assert.NotEqual(a.Pixels, b.Pixels);
    }

    [Fact]
    public async Task Decode_ConcurrentRequests_EachGetsTheImageOfItsOwnCode()
    {
        float[][] codes = Enumerable.Range(0, 24).Select(i => new[] { -3f + i * 0.25f, 2f - i * 0.2f }).ToArray();
        byte[][] alone = new byte[codes.Length][];
        for (int i = 0; i < codes.Length; i++) alone[i] = await Decode(codes[i]);
        (long batchesBefore, long decodedBefore) = server.Explorer.DecodeStatistics;

        byte[][] together = await Task.WhenAll(codes.Select(z => Decode(z)));

        for (int i = 0; i < codes.Length; i++) Assert.Equal(alone[i], together[i]);
        (long batches, long decoded) = server.Explorer.DecodeStatistics;
        Assert.Equal(codes.Length, decoded - decodedBefore);
        Assert.InRange(batches - batchesBefore, 1, codes.Length);
    }

    [Theory]
    [InlineData("{\"z\":[1]}", "\"z\" has 1 numbers; this model's latent size is 2")]
    [InlineData("{\"z\":[1,2,3]}", "\"z\" has 3 numbers")]
    [InlineData("{\"z\":[1,\"NaN\"]}", "\"z[1]\" must be a number")]
    [InlineData("{\"z\":[1e999,0]}", "\"z[0]\" is 1e999, which is not a finite 32-bit number")]
    [InlineData("{\"z\":[1e39,0]}", "not a finite 32-bit number")]
    [InlineData("{\"z\":[null,0]}", "\"z[0]\" must be a number, not null")]
    [InlineData("{\"z\":\"0,0\"}", "\"z\" must be an array of 2 numbers")]
    [InlineData("{\"zz\":[0,0]}", "no \"z\" field")]
    [InlineData("[0,0]", "must be a JSON object")]
    [InlineData("{\"z\":[0,0]", "not valid JSON")]
    [InlineData("", "needs a JSON object")]
    [InlineData("{\"z\":[0,0],\"class\":1}", "not conditional")]
    public async Task Decode_BadBody_Is400WithAClearMessage(string body, string expected)
    {
        await AssertBadRequest(await Client.PostAsync("api/decode", new StringContent(body, Encoding.UTF8, "application/json")), expected);
    }

    [Fact]
    public async Task Decode_OversizedBody_Is400WhetherOrNotItsLengthIsDeclared()
    {
        string body = "{\"z\":[0,0],\"pad\":\"" + new string('x', 40_000) + "\"}";
        await AssertBadRequest(await Client.PostAsync("api/decode", new StringContent(body, Encoding.UTF8, "application/json")), "the limit is 16384");

        var chunked = new StreamContent(new MemoryStream(Encoding.UTF8.GetBytes(body)));   // no Content-Length: sent chunked
        chunked.Headers.ContentType = new("application/json");
        using var request = new HttpRequestMessage(HttpMethod.Post, "api/decode") { Content = chunked };
        request.Headers.TransferEncodingChunked = true;
        await AssertBadRequest(await Client.SendAsync(request), "larger than the limit of 16384 bytes");
    }

    [Theory]
    [InlineData("api/test-image/1000", "is 1000; there are 1000 test images")]
    [InlineData("api/test-image/-1", "must be an integer index")]
    [InlineData("api/test-image/..%2F..%2Fetc%2Fpasswd", "must be an integer index")]
    [InlineData("api/test-image/1e3", "must be an integer index")]
    public async Task TestImage_BadIndex_Is400(string path, string expected)
    {
        await AssertBadRequest(await Client.GetAsync(path), expected);
    }

    [Fact]
    public async Task TestImage_GivesThePixelsOfTheDataSet()
    {
        Image image = Png.Decode(await Client.GetByteArrayAsync("api/test-image/7"));
        Assert.Equal(Image.FromFloats(server.Explorer.Test.Image(7), 28, 28).Pixels, image.Pixels);
    }

    [Theory]
    [InlineData("api/encode", "{\"index\":1000}", "there are 1000 test images")]
    [InlineData("api/encode", "{\"index\":-5}", "is -5")]
    [InlineData("api/encode", "{\"index\":1.5}", "must be an integer index")]
    [InlineData("api/encode", "{\"index\":\"../model.safetensors\"}", "must be an integer index")]
    [InlineData("api/interpolate", "{\"from\":0,\"to\":1,\"t\":1.5}", "\"t\" is 1.5; it must be in [0, 1]")]
    [InlineData("api/interpolate", "{\"from\":0,\"to\":5000,\"t\":0.5}", "\"to\" is 5000")]
    [InlineData("api/interpolate", "{\"from\":0,\"t\":0.5}", "no \"to\" field")]
    [InlineData("api/sample", "{\"count\":0}", "\"count\" must be an integer in [1, 64]")]
    [InlineData("api/sample", "{\"count\":65}", "\"count\" must be an integer in [1, 64]")]
    [InlineData("api/sample", "{\"seed\":-1}", "\"seed\" must be a non-negative integer")]
    [InlineData("api/embedding/decode", "{\"x\":0}", "no \"y\" field")]
    [InlineData("api/embedding/decode", "{\"x\":0,\"y\":1e300}", "not a finite 32-bit number")]
    public async Task Endpoints_BadFields_Are400WithAClearMessage(string path, string body, string expected)
    {
        await AssertBadRequest(await Client.PostAsync(path, new StringContent(body, Encoding.UTF8, "application/json")), expected);
    }

    [Theory]
    [InlineData("example.com", "--host must be an IP address")]
    public void Build_HostThatIsNotAnAddress_IsRefused(string host, string expected)
    {
        var e = Assert.Throws<UsageException>(() => ExplorerServer.Build(server.Explorer, host, port: 0));
        Assert.Contains(expected, e.Message);
    }

    [Fact]
    public async Task UnknownEndpoint_Is404WithAPointerToInfo()
    {
        using HttpResponseMessage response = await Client.GetAsync("api/nothing-here");
        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        Assert.Contains("GET /api/info", await response.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task Interpolate_EndsAreTheCodesOfTheTwoImages()
    {
        float[] a = Floats((await PostJson("api/encode", "{\"index\":3}")).GetProperty("z"));
        float[] b = Floats((await PostJson("api/encode", "{\"index\":9}")).GetProperty("z"));
        Assert.Equal(a, Floats((await PostJson("api/interpolate", "{\"from\":3,\"to\":9,\"t\":0}")).GetProperty("z")));
        Assert.Equal(b, Floats((await PostJson("api/interpolate", "{\"from\":3,\"to\":9,\"t\":1}")).GetProperty("z")));
        float[] mid = Floats((await PostJson("api/interpolate", "{\"from\":3,\"to\":9,\"t\":0.25}")).GetProperty("z"));
        for (int j = 0; j < 2; j++) Assert.Equal(0.75f * a[j] + 0.25f * b[j], mid[j], 1e-5f);
    }

    [Fact]
    public async Task Sample_SameSeed_SameCodes()
    {
        JsonElement first = await PostJson("api/sample", "{\"count\":3,\"seed\":42}");
        JsonElement second = await PostJson("api/sample", "{\"count\":3,\"seed\":42}");
        Assert.Equal(3, first.GetProperty("samples").GetArrayLength());
        Assert.Equal(first.GetProperty("samples").GetRawText(), second.GetProperty("samples").GetRawText());
    }

    [Fact]
    public async Task Embedding_HasOnePointPerTestImage_AndAClickDecodesThatPoint()
    {
        JsonElement embedding = await Client.GetFromJsonAsync<JsonElement>("api/embedding");
        Assert.Equal(server.Explorer.Test.Count, embedding.GetProperty("x").GetArrayLength());
        Assert.Equal(server.Explorer.Test.Count, embedding.GetProperty("labels").GetArrayLength());
        JsonElement point = await PostJson("api/embedding/decode", "{\"x\":0.5,\"y\":-1.25}");
        Assert.Equal([0.5f, -1.25f], Floats(point.GetProperty("z")));   // latent 2: the scatter's plane is the code space
    }
}
