using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using LatentSharp.Bench.TorchSharpPeer;
using LatentSharp.Data;
using static TorchSharp.torch;

// The TorchSharp (libtorch) peer of `LatentSharp.Bench vae-epoch`: the same models, data, batches (LatentSharp's own
// BatchIterator, so the same order and, for the PixelCNN, the same binarized pixels), Adam 1e-3 and summed loss, and
// the same JSON lines. Run through bench/torchsharp-vs-latentsharp.sh.
// Usage: TorchSharpPeer [--model vae|conv-vae|pixelcnn] [--data fashion-mnist] [--epochs 3] [--threads 2] [--seed 1]
//                       [--inference 0]
const int InferenceBatch = 1000;
string kind = Arg("--model", "vae");
string data = Arg("--data", "fashion-mnist");
int epochs = int.Parse(Arg("--epochs", "3"), CultureInfo.InvariantCulture);
int threads = int.Parse(Arg("--threads", "2"), CultureInfo.InvariantCulture);
ulong seed = ulong.Parse(Arg("--seed", "1"), CultureInfo.InvariantCulture);
int inferencePasses = int.Parse(Arg("--inference", "0"), CultureInfo.InvariantCulture);

// Both before any torch work: the inter-op pool can be sized only before it starts.
set_num_threads(threads);
set_num_interop_threads(threads);
manual_seed((long)seed);

PeerModel model = kind switch
{
    "vae" => new MlpVae(),
    "conv-vae" => new ConvVae(),
    "pixelcnn" => new PixelCnn(),
    _ => throw new ArgumentException($"--model is vae, conv-vae or pixelcnn, not {kind}"),
};
bool pixelCnn = kind == "pixelcnn";
DataSplits splits = new DatasetResolver().Load(data);
Dataset test = TestBinarization.Apply(splits.Test, pixelCnn);
Console.WriteLine(JsonSerializer.Serialize(new
{
    model = kind, parameters = model.parameters().Sum(p => p.numel()), images = splits.Train.Count, threads = get_num_threads(),
    interop_threads = get_num_interop_threads(), torch = __version__,
}));

var optimizer = optim.Adam(model.parameters(), lr: 1e-3);
var batches = new BatchIterator(splits.Train, pixelCnn ? 64 : 128, seed, pixelCnn ? Binarization.Dynamic : Binarization.None);
using Tensor testImages = tensor(test.Pixels, [test.Count, test.Dimensions]);   // [N, 784]
for (int epoch = 0; epoch < epochs; epoch++)
{
    model.train();
    var clock = Stopwatch.StartNew();
    foreach (Batch batch in batches.Epoch(epoch))
    {
        using var step = NewDisposeScope();
        Tensor x = tensor(batch.Pixels, [batch.Size, batch.Dimensions]);   // [B, 784]
        optimizer.zero_grad();
        model.forward(x).backward();
        optimizer.step();
    }
    double seconds = clock.Elapsed.TotalSeconds;
    Console.WriteLine(JsonSerializer.Serialize(new { epoch = epoch + 1, seconds, test_loss = TestLoss() }));
}
if (!pixelCnn)
    for (int pass = 0; pass < inferencePasses; pass++)
        Console.WriteLine(JsonSerializer.Serialize(new { inference = EncodeDecodeSeconds() }));
return 0;

// The loss per test image, in batches of 1000 (one noise draw per image, as LatentSharp's Trainer.Evaluate).
double TestLoss()
{
    model.eval();
    double total = 0;
    using (no_grad())
        for (long start = 0; start < test.Count; start += InferenceBatch)
        {
            using var scope = NewDisposeScope();
            total += model.forward(testImages.narrow(0, start, Math.Min(InferenceBatch, test.Count - start))).item<float>();
        }
    return total / test.Count;
}

// Seconds to encode (posterior mean) and decode (mean image) every test image in batches of 1000.
double EncodeDecodeSeconds()
{
    model.eval();
    var clock = Stopwatch.StartNew();
    using (no_grad())
        for (long start = 0; start < test.Count; start += InferenceBatch)
        {
            using var scope = NewDisposeScope();
            model.Decode(model.Encode(testImages.narrow(0, start, Math.Min(InferenceBatch, test.Count - start)))!);
        }
    return clock.Elapsed.TotalSeconds;
}

string Arg(string name, string fallback)
{
    int i = Array.IndexOf(args, name);
    return i >= 0 && i + 1 < args.Length ? args[i + 1] : fallback;
}
