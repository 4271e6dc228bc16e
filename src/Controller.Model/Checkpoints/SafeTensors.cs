using System.Buffers.Binary;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Controller.Model.Checkpoints;

/// <summary>One named tensor as raw little-endian bytes. <see cref="Dtype"/> is a safetensors dtype ("F32", "U8", "I64").</summary>
public sealed record TensorEntry(string Name, string Dtype, long[] Shape, byte[] Data)
{
    public long Elements => Shape.Aggregate(1L, (a, b) => a * b);

    public static TensorEntry FromFloats(string name, float[] values, params long[] shape)
    {
        var bytes = new byte[values.Length * 4];
        for (var i = 0; i < values.Length; i++)
            BinaryPrimitives.WriteSingleLittleEndian(bytes.AsSpan(i * 4), values[i]);
        return new TensorEntry(name, "F32", shape, bytes);
    }

    public float[] ToFloats()
    {
        if (Dtype != "F32")
            throw new CheckpointException($"tensor '{Name}' is {Dtype}, expected F32");
        var values = new float[Data.Length / 4];
        for (var i = 0; i < values.Length; i++)
            values[i] = BinaryPrimitives.ReadSingleLittleEndian(Data.AsSpan(i * 4));
        return values;
    }
}

/// <summary>
/// Reader/writer for the safetensors format: an 8-byte little-endian header length N, N bytes of JSON
/// ({"name": {"dtype", "shape", "data_offsets": [begin, end]}, "__metadata__": {string: string}}),
/// then the raw data, offsets relative to the end of the header. Stateless and thread-safe.
/// </summary>
public static class SafeTensors
{
    private const string MetadataKey = "__metadata__";
    private const long MaxHeader = 100_000_000;

    public static int DtypeSize(string dtype) => dtype switch
    {
        "F32" or "I32" or "U32" => 4,
        "F64" or "I64" or "U64" => 8,
        "F16" or "BF16" or "I16" or "U16" => 2,
        "U8" or "I8" or "BOOL" => 1,
        _ => throw new CheckpointException($"unsupported safetensors dtype '{dtype}'"),
    };

    /// <summary>Writes atomically (temp file + rename) so an interrupted save never leaves a half file behind.</summary>
    public static void Write(string path, IReadOnlyList<TensorEntry> tensors, IReadOnlyDictionary<string, string>? metadata = null)
    {
        var header = new JsonObject();
        if (metadata is { Count: > 0 })
        {
            var meta = new JsonObject();
            foreach (var (k, v) in metadata)
                meta[k] = v;
            header[MetadataKey] = meta;
        }
        long offset = 0;
        foreach (var t in tensors)
        {
            if (t.Data.LongLength != t.Elements * DtypeSize(t.Dtype))
                throw new ArgumentException($"tensor '{t.Name}': {t.Data.Length} bytes do not match shape [{string.Join(",", t.Shape)}] of {t.Dtype}");
            header[t.Name] = new JsonObject
            {
                ["dtype"] = t.Dtype,
                ["shape"] = new JsonArray(t.Shape.Select(s => (JsonNode)s).ToArray()),
                ["data_offsets"] = new JsonArray(offset, offset + t.Data.LongLength),
            };
            offset += t.Data.LongLength;
        }
        var json = Encoding.UTF8.GetBytes(header.ToJsonString());
        var padded = (json.Length + 7) / 8 * 8; // spec allows trailing spaces; 8-byte alignment keeps data aligned
        var dir = Path.GetDirectoryName(Path.GetFullPath(path))!;
        Directory.CreateDirectory(dir);
        var tmp = path + ".tmp";
        using (var fs = new FileStream(tmp, FileMode.Create, FileAccess.Write))
        {
            Span<byte> len = stackalloc byte[8];
            BinaryPrimitives.WriteUInt64LittleEndian(len, (ulong)padded);
            fs.Write(len);
            fs.Write(json);
            for (var i = json.Length; i < padded; i++)
                fs.WriteByte((byte)' ');
            foreach (var t in tensors)
                fs.Write(t.Data);
        }
        File.Move(tmp, path, overwrite: true);
    }

    /// <summary>Reads and validates the whole file; throws <see cref="CheckpointException"/> with the reason on any defect.</summary>
    public static (Dictionary<string, TensorEntry> Tensors, Dictionary<string, string> Metadata) Read(string path)
    {
        if (!File.Exists(path))
            throw new CheckpointException($"checkpoint '{path}' does not exist");
        var bytes = File.ReadAllBytes(path);
        if (bytes.Length < 8)
            throw new CheckpointException($"checkpoint '{path}' is truncated: {bytes.Length} bytes, no header length");
        var headerLen = BinaryPrimitives.ReadUInt64LittleEndian(bytes);
        if (headerLen > MaxHeader || (long)headerLen > bytes.Length - 8)
            throw new CheckpointException($"checkpoint '{path}' is truncated or corrupt: header length {headerLen} exceeds file size {bytes.Length}");
        JsonObject header;
        try
        {
            header = JsonNode.Parse(bytes.AsSpan(8, (int)headerLen))?.AsObject() ?? throw new CheckpointException($"checkpoint '{path}': empty header");
        }
        catch (Exception e) when (e is JsonException or InvalidOperationException)
        {
            throw new CheckpointException($"checkpoint '{path}': header is not valid JSON ({e.Message})", e);
        }
        var dataStart = 8 + (long)headerLen;
        var dataLen = bytes.LongLength - dataStart;
        var tensors = new Dictionary<string, TensorEntry>();
        var metadata = new Dictionary<string, string>();
        foreach (var (name, node) in header)
        {
            if (name == MetadataKey)
            {
                foreach (var (k, v) in node!.AsObject())
                    metadata[k] = v!.GetValue<string>();
                continue;
            }
            try
            {
                var dtype = node!["dtype"]!.GetValue<string>();
                var shape = node["shape"]!.AsArray().Select(s => s!.GetValue<long>()).ToArray();
                var offs = node["data_offsets"]!.AsArray();
                long begin = offs[0]!.GetValue<long>(), end = offs[1]!.GetValue<long>();
                if (begin < 0 || end < begin || end > dataLen)
                    throw new CheckpointException($"checkpoint '{path}' is truncated: tensor '{name}' needs bytes [{begin},{end}) but only {dataLen} data bytes exist");
                var entry = new TensorEntry(name, dtype, shape, bytes.AsSpan((int)(dataStart + begin), (int)(end - begin)).ToArray());
                if (entry.Data.LongLength != entry.Elements * DtypeSize(dtype))
                    throw new CheckpointException($"checkpoint '{path}': tensor '{name}' has {entry.Data.Length} bytes, shape [{string.Join(",", shape)}] of {dtype} needs {entry.Elements * DtypeSize(dtype)}");
                tensors[name] = entry;
            }
            catch (Exception e) when (e is NullReferenceException or InvalidOperationException or FormatException)
            {
                throw new CheckpointException($"checkpoint '{path}': malformed entry for '{name}' ({e.Message})", e);
            }
        }
        return (tensors, metadata);
    }
}
