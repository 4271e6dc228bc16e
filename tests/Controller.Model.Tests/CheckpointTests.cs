using System.Buffers.Binary;
using Controller.Model.Checkpoints;
using Controller.Model.Policy;
using Controller.Model.Training;
using static TorchSharp.torch;

namespace Controller.Model.Tests;

public class CheckpointTests
{
    [Fact]
    public void SafeTensors_WriteThenRead_ReturnsSameTensorsAndMetadata()
    {
        var path = TestTemp.NewFile("weights.safetensors");
        var a = TensorEntry.FromFloats("a.weight", [1.5f, -2, 3, float.Epsilon], 2, 2);
        var b = new TensorEntry("frames", "U8", [3], [7, 8, 9]);
        SafeTensors.Write(path, [a, b], new Dictionary<string, string> { ["k"] = "v" });
        var (tensors, meta) = SafeTensors.Read(path);
        Assert.Equal("v", meta["k"]);
        Assert.Equal(a.ToFloats(), tensors["a.weight"].ToFloats());
        Assert.Equal([2L, 2], tensors["a.weight"].Shape);
        Assert.Equal(b.Data, tensors["frames"].Data);
        // Header length is 8-byte little-endian and the data start stays 8-byte aligned.
        var bytes = File.ReadAllBytes(path);
        Assert.Equal(0UL, BinaryPrimitives.ReadUInt64LittleEndian(bytes) % 8);
    }

    [Fact]
    public void ModuleWeights_SaveThenLoad_ReproducesTheModelOutput()
    {
        using var scope = NewDisposeScope();
        var path = TestTemp.NewFile("weights.safetensors");
        manual_seed(3);
        using var m1 = new WorldModel(Tiny.Config());
        ModuleWeights.Save(m1, path, new Dictionary<string, string>());
        manual_seed(4);
        using var m2 = new WorldModel(Tiny.Config());
        ModuleWeights.Load(m2, path);
        using var noGrad = no_grad();
        var x = tensor(new long[] { 1, 2, 3, 4 }, 1, 4);
        Assert.Equal(0f, (m1.call(x) - m2.call(x)).abs().max().item<float>());
    }

    [Fact]
    public void Load_MissingDirectory_FailsWithAClearError()
    {
        var e = Assert.Throws<CheckpointException>(() => ModelBundle.Load("/nonexistent/model-dir"));
        Assert.Contains("does not exist", e.Message);
    }

    [Fact]
    public void Load_TruncatedWeights_FailsWithAClearError()
    {
        var dir = Tiny.CheckpointDir();
        var path = Path.Combine(dir, ModelTrainer.WeightsFile);
        var bytes = File.ReadAllBytes(path);
        File.WriteAllBytes(path, bytes[..(bytes.Length - 100)]);
        var e = Assert.Throws<CheckpointException>(() => ModelBundle.Load(dir));
        Assert.Contains("truncated", e.Message);
    }

    [Fact]
    public void Load_TruncatedHeader_FailsWithAClearError()
    {
        var dir = Tiny.CheckpointDir();
        var path = Path.Combine(dir, TokenizerTrainer.WeightsFile);
        File.WriteAllBytes(path, File.ReadAllBytes(path)[..20]);
        var e = Assert.Throws<CheckpointException>(() => ModelBundle.Load(dir));
        Assert.Contains("truncated", e.Message);
    }

    [Fact]
    public void Load_WrongShapes_FailsNamingTheTensor()
    {
        var dir = Tiny.CheckpointDir();
        var path = Path.Combine(dir, ModelTrainer.WeightsFile);
        var (tensors, meta) = SafeTensors.Read(path);
        var manifest = ModelManifest.FromJson(meta["manifest"], path);
        // Claim a wider model than the weights hold.
        meta["manifest"] = (manifest with { Model = manifest.Model with { Embd = 64 } }).ToJson();
        SafeTensors.Write(path, tensors.Values.ToList(), meta);
        var e = Assert.Throws<CheckpointException>(() => ModelBundle.Load(dir));
        Assert.Contains("shape", e.Message);
    }

    [Fact]
    public void Load_MissingTensor_FailsNamingIt()
    {
        var dir = Tiny.CheckpointDir();
        var path = Path.Combine(dir, ModelTrainer.WeightsFile);
        var (tensors, meta) = SafeTensors.Read(path);
        SafeTensors.Write(path, tensors.Values.Where(t => t.Name != "head.weight").ToList(), meta);
        var e = Assert.Throws<CheckpointException>(() => ModelBundle.Load(dir));
        Assert.Contains("head.weight", e.Message);
    }

    [Fact]
    public void Load_NotACheckpoint_FailsWithAClearError()
    {
        var dir = Tiny.CheckpointDir();
        File.WriteAllText(Path.Combine(dir, ModelTrainer.WeightsFile), "hello, this is not a safetensors file at all");
        Assert.Throws<CheckpointException>(() => ModelBundle.Load(dir));
    }
}
