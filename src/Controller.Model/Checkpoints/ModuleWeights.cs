using System.Runtime.InteropServices;
using TorchSharp;
using static TorchSharp.torch;

namespace Controller.Model.Checkpoints;

/// <summary>Moves a module's parameters and buffers to and from safetensors files. Not thread-safe per module.</summary>
public static class ModuleWeights
{
    public static List<TensorEntry> Export(nn.Module module)
    {
        var list = new List<TensorEntry>();
        foreach (var (name, t) in module.state_dict())
        {
            using var c = t.detach().cpu().to_type(ScalarType.Float32).contiguous();
            var values = c.data<float>().ToArray();
            list.Add(TensorEntry.FromFloats(name, values, c.shape));
        }
        return list;
    }

    public static void Save(nn.Module module, string path, IReadOnlyDictionary<string, string> metadata)
        => SafeTensors.Write(path, Export(module), metadata);

    /// <summary>Copies every tensor of the module from the file; missing names or wrong shapes throw <see cref="CheckpointException"/>.</summary>
    public static Dictionary<string, string> Load(nn.Module module, string path)
    {
        var (tensors, metadata) = SafeTensors.Read(path);
        Apply(module, tensors, path);
        return metadata;
    }

    /// <summary>Copies the tensors into <paramref name="module"/> (see <see cref="Apply"/>) and puts it in eval mode; disposes it when they do not fit.</summary>
    public static T Loaded<T>(T module, IReadOnlyDictionary<string, TensorEntry> tensors, string origin) where T : nn.Module
    {
        try
        {
            Apply(module, tensors, origin);
        }
        catch
        {
            module.Dispose();
            throw;
        }
        module.eval();
        return module;
    }

    public static void Apply(nn.Module module, IReadOnlyDictionary<string, TensorEntry> tensors, string origin)
    {
        using var noGrad = no_grad();
        foreach (var (name, target) in module.state_dict())
        {
            if (!tensors.TryGetValue(name, out var entry))
                throw new CheckpointException($"checkpoint '{origin}' lacks tensor '{name}' (does it belong to a different model config?)");
            if (!entry.Shape.SequenceEqual(target.shape))
                throw new CheckpointException($"checkpoint '{origin}': tensor '{name}' has shape [{string.Join(",", entry.Shape)}], model expects [{string.Join(",", target.shape)}]");
            var values = entry.ToFloats();
            using var src = tensor(values, target.shape);
            target.copy_(src);
        }
    }

    /// <summary>Reinterprets raw little-endian bytes as floats without per-element parsing (hosts are little-endian).</summary>
    internal static float[] AsFloats(byte[] data) => MemoryMarshal.Cast<byte, float>(data).ToArray();
}
