using System;
using System.Buffers.Binary;
using System.Collections.Generic;
using System.IO;
using System.Numerics;
using System.Numerics.Tensors;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Text;
using System.Text.Json;

namespace GradGen;

/// <summary>
/// Saves and loads named tensors in the <a href="https://github.com/huggingface/safetensors">safetensors</a> format, which
/// PyTorch (<c>safetensors.torch.load_file</c>) and Hugging Face read.
/// </summary>
/// <remarks>
/// <para>Layout: an 8-byte little-endian unsigned header length N; N bytes of UTF-8 JSON, padded with spaces to a multiple
/// of 8; then the data bytes. The header maps each tensor name to <c>{"dtype": "F32"|"F64", "shape": [...],
/// "data_offsets": [begin, end]}</c> (offsets into the data bytes, end exclusive); elements are row-major and
/// little-endian, tensors back to back in the order of their names (ordinal). The optional <c>"__metadata__"</c> entry is
/// a string-to-string map; GradGen writes <c>"format_version": "1"</c> (<see cref="FormatVersion"/>) into it.</para>
/// <para>Loading accepts any valid safetensors file with F32 or F64 tensors (e.g. one written by PyTorch), converting each
/// to the requested element type (F64 → float rounds). A file whose <c>format_version</c> is not one this version writes
/// is rejected. A rank-0 tensor (shape <c>[]</c>) loads as shape [1]. Files are read whole, so they must be under 2 GB.</para>
/// </remarks>
public static class SafeTensors
{
    /// <summary>The format version GradGen writes into <c>__metadata__["format_version"]</c> and accepts on load.</summary>
    public const string FormatVersion = "1";

    /// <summary>The metadata key holding <see cref="FormatVersion"/>.</summary>
    public const string FormatVersionKey = "format_version";

    private const string MetadataKey = "__metadata__";
    private const int MaxHeaderBytes = 100_000_000;

    /// <summary>Writes <paramref name="tensors"/> to a new file at <paramref name="path"/> (overwriting it).</summary>
    /// <param name="path">The file to write.</param>
    /// <param name="tensors">The tensors by name (names are non-empty and not <c>__metadata__</c>); float or double.</param>
    /// <param name="metadata">Extra string metadata, or null; it may not set <see cref="FormatVersionKey"/>.</param>
    public static void Save<T>(string path, IReadOnlyDictionary<string, Tensor<T>> tensors, IReadOnlyDictionary<string, string>? metadata = null)
        where T : IFloatingPointIeee754<T>
    {
        ArgumentNullException.ThrowIfNull(path);
        using var stream = File.Create(path);
        Save(stream, tensors, metadata);
    }

    /// <summary>Writes <paramref name="tensors"/> to <paramref name="stream"/> in the safetensors format.</summary>
    /// <param name="stream">A writable stream; it is not closed.</param>
    /// <param name="tensors">The tensors by name (names are non-empty and not <c>__metadata__</c>); float or double.</param>
    /// <param name="metadata">Extra string metadata, or null; it may not set <see cref="FormatVersionKey"/>.</param>
    /// <exception cref="ArgumentException">A name is empty or reserved, or metadata sets the format version.</exception>
    /// <exception cref="NotSupportedException">T is neither float nor double.</exception>
    public static void Save<T>(Stream stream, IReadOnlyDictionary<string, Tensor<T>> tensors, IReadOnlyDictionary<string, string>? metadata = null)
        where T : IFloatingPointIeee754<T>
    {
        ArgumentNullException.ThrowIfNull(stream);
        ArgumentNullException.ThrowIfNull(tensors);
        string dtype = DTypeOf<T>();
        int size = Marshal.SizeOf<T>();
        var names = new List<string>(tensors.Keys);
        names.Sort(StringComparer.Ordinal);

        using var json = new MemoryStream();
        using (var writer = new Utf8JsonWriter(json))
        {
            writer.WriteStartObject();
            writer.WriteStartObject(MetadataKey);
            writer.WriteString(FormatVersionKey, FormatVersion);
            if (metadata is not null)
            {
                foreach (var (key, value) in metadata)
                {
                    if (key == FormatVersionKey) throw new ArgumentException($"SafeTensors.Save: metadata may not set \"{FormatVersionKey}\"; GradGen writes it.", nameof(metadata));
                    writer.WriteString(key, value);
                }
            }
            writer.WriteEndObject();
            long offset = 0;
            foreach (string name in names)
            {
                if (name.Length == 0 || name == MetadataKey) throw new ArgumentException($"SafeTensors.Save: \"{name}\" is not a valid tensor name.", nameof(tensors));
                Tensor<T> tensor = tensors[name] ?? throw new ArgumentNullException(nameof(tensors), $"SafeTensors.Save: tensor \"{name}\" is null.");
                writer.WriteStartObject(name);
                writer.WriteString("dtype", dtype);
                writer.WriteStartArray("shape");
                foreach (nint length in tensor.Lengths) writer.WriteNumberValue((long)length);
                writer.WriteEndArray();
                long end = offset + tensor.FlattenedLength * size;
                writer.WriteStartArray("data_offsets");
                writer.WriteNumberValue(offset);
                writer.WriteNumberValue(end);
                writer.WriteEndArray();
                writer.WriteEndObject();
                offset = end;
            }
            writer.WriteEndObject();
        }
        int padding = (int)((8 - json.Length % 8) % 8);
        Span<byte> prefix = stackalloc byte[8];
        BinaryPrimitives.WriteUInt64LittleEndian(prefix, (ulong)(json.Length + padding));
        stream.Write(prefix);
        json.Position = 0;
        json.CopyTo(stream);
        for (int i = 0; i < padding; i++) stream.WriteByte((byte)' ');
        foreach (string name in names)
        {
            ReadOnlySpan<T> data = Dense.Read(tensors[name]);
            if (BitConverter.IsLittleEndian)
            {
                stream.Write(MemoryMarshal.CreateReadOnlySpan(ref Unsafe.As<T, byte>(ref MemoryMarshal.GetReference(data)), data.Length * size));
                continue;
            }
            var bytes = new byte[size];
            foreach (T value in data)
            {
                if (typeof(T) == typeof(float)) BinaryPrimitives.WriteSingleLittleEndian(bytes, float.CreateTruncating(value));
                else BinaryPrimitives.WriteDoubleLittleEndian(bytes, double.CreateTruncating(value));
                stream.Write(bytes);
            }
        }
    }

    /// <summary>Reads every tensor of the safetensors file at <paramref name="path"/>, converted to T.</summary>
    /// <param name="path">The file to read.</param>
    public static Dictionary<string, Tensor<T>> Load<T>(string path) where T : IFloatingPointIeee754<T>
    {
        ArgumentNullException.ThrowIfNull(path);
        using var stream = File.OpenRead(path);
        return Load<T>(stream);
    }

    /// <summary>Reads every tensor of a safetensors stream, converted to T (see the class remarks).</summary>
    /// <param name="stream">A readable stream positioned at the start of the file; it is not closed.</param>
    /// <exception cref="InvalidDataException">The bytes are not a valid safetensors file.</exception>
    /// <exception cref="NotSupportedException">A tensor's dtype is not F32 or F64, or the format version is unknown.</exception>
    public static Dictionary<string, Tensor<T>> Load<T>(Stream stream) where T : IFloatingPointIeee754<T>
    {
        ArgumentNullException.ThrowIfNull(stream);
        (JsonDocument header, byte[] data) = ReadFile(stream);
        using (header)
        {
            var result = new Dictionary<string, Tensor<T>>(StringComparer.Ordinal);
            foreach (JsonProperty entry in header.RootElement.EnumerateObject())
            {
                if (entry.Name == MetadataKey) continue;
                result.Add(entry.Name, ReadTensor<T>(entry, data));
            }
            return result;
        }
    }

    /// <summary>The <c>__metadata__</c> map of the safetensors file at <paramref name="path"/> (empty when there is none).</summary>
    /// <param name="path">The file to read.</param>
    public static Dictionary<string, string> ReadMetadata(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        using var stream = File.OpenRead(path);
        return ReadMetadata(stream);
    }

    /// <summary>The <c>__metadata__</c> map of a safetensors stream (empty when there is none).</summary>
    /// <param name="stream">A readable stream positioned at the start of the file; it is not closed.</param>
    /// <exception cref="InvalidDataException">The bytes are not a valid safetensors file.</exception>
    public static Dictionary<string, string> ReadMetadata(Stream stream)
    {
        ArgumentNullException.ThrowIfNull(stream);
        (JsonDocument header, _) = ReadFile(stream);
        using (header) return Metadata(header.RootElement);
    }

    private static (JsonDocument Header, byte[] Data) ReadFile(Stream stream)
    {
        Span<byte> prefix = stackalloc byte[8];
        ReadExactly(stream, prefix);
        ulong headerLength = BinaryPrimitives.ReadUInt64LittleEndian(prefix);
        if (headerLength == 0 || headerLength > MaxHeaderBytes) throw Invalid($"the header length {headerLength} is out of range");
        var headerBytes = new byte[(int)headerLength];
        ReadExactly(stream, headerBytes);
        if (headerBytes[0] != (byte)'{') throw Invalid("the header does not start with '{'");
        JsonDocument header;
        try
        {
            header = JsonDocument.Parse(headerBytes.AsMemory().TrimEnd((byte)' '));
        }
        catch (JsonException e)
        {
            throw new InvalidDataException($"SafeTensors: the header is not valid JSON: {e.Message}", e);
        }
        if (header.RootElement.ValueKind != JsonValueKind.Object)
        {
            header.Dispose();
            throw Invalid("the header is not a JSON object");
        }
        if (Metadata(header.RootElement).TryGetValue(FormatVersionKey, out string? version) && version != FormatVersion)
        {
            header.Dispose();
            throw new NotSupportedException($"SafeTensors: format version {version} is not supported (this version reads {FormatVersion}).");
        }
        using var rest = new MemoryStream();
        stream.CopyTo(rest);
        return (header, rest.ToArray());
    }

    private static Dictionary<string, string> Metadata(JsonElement root)
    {
        var result = new Dictionary<string, string>(StringComparer.Ordinal);
        if (!root.TryGetProperty(MetadataKey, out JsonElement metadata)) return result;
        if (metadata.ValueKind != JsonValueKind.Object) throw Invalid("__metadata__ is not an object");
        foreach (JsonProperty entry in metadata.EnumerateObject())
        {
            if (entry.Value.ValueKind != JsonValueKind.String) throw Invalid($"metadata \"{entry.Name}\" is not a string");
            result[entry.Name] = entry.Value.GetString()!;
        }
        return result;
    }

    private static Tensor<T> ReadTensor<T>(JsonProperty entry, byte[] data) where T : IFloatingPointIeee754<T>
    {
        string name = entry.Name;
        JsonElement info = entry.Value;
        if (info.ValueKind != JsonValueKind.Object
            || !info.TryGetProperty("dtype", out JsonElement dtypeElement) || dtypeElement.ValueKind != JsonValueKind.String
            || !info.TryGetProperty("shape", out JsonElement shapeElement) || shapeElement.ValueKind != JsonValueKind.Array
            || !info.TryGetProperty("data_offsets", out JsonElement offsetsElement) || offsetsElement.ValueKind != JsonValueKind.Array
            || offsetsElement.GetArrayLength() != 2)
        {
            throw Invalid($"tensor \"{name}\" needs dtype, shape and data_offsets [begin, end]");
        }
        string dtype = dtypeElement.GetString()!;
        int size = dtype switch
        {
            "F32" => 4,
            "F64" => 8,
            _ => throw new NotSupportedException($"SafeTensors: tensor \"{name}\" has dtype {dtype}; only F32 and F64 are supported."),
        };
        var lengths = new List<nint>();
        long count = 1;
        foreach (JsonElement length in shapeElement.EnumerateArray())
        {
            if (!length.TryGetInt32(out int value) || value < 0) throw Invalid($"tensor \"{name}\" has an invalid shape");
            lengths.Add(value);
            count = checked(count * value);
        }
        if (lengths.Count == 0) lengths.Add(1);
        if (!offsetsElement[0].TryGetInt64(out long begin) || !offsetsElement[1].TryGetInt64(out long end)
            || begin < 0 || end < begin || end > data.Length)
        {
            throw Invalid($"tensor \"{name}\" has data_offsets outside the {data.Length} data bytes");
        }
        if (end - begin != count * size)
        {
            throw Invalid($"tensor \"{name}\" of shape [{string.Join(", ", lengths)}] and dtype {dtype} needs {count * size} bytes, its data_offsets give {end - begin}");
        }
        var values = new T[count];
        ReadOnlySpan<byte> bytes = data.AsSpan((int)begin, (int)(end - begin));
        for (int i = 0; i < values.Length; i++)
        {
            values[i] = size == 4
                ? T.CreateChecked(BinaryPrimitives.ReadSingleLittleEndian(bytes.Slice(4 * i, 4)))
                : T.CreateChecked(BinaryPrimitives.ReadDoubleLittleEndian(bytes.Slice(8 * i, 8)));
        }
        return Tensor.Create(values, lengths.ToArray());
    }

    private static string DTypeOf<T>()
    {
        if (typeof(T) == typeof(float)) return "F32";
        if (typeof(T) == typeof(double)) return "F64";
        throw new NotSupportedException($"SafeTensors: element type {typeof(T).Name} is not supported; use float (F32) or double (F64).");
    }

    private static void ReadExactly(Stream stream, Span<byte> buffer)
    {
        int read = 0;
        while (read < buffer.Length)
        {
            int n = stream.Read(buffer.Slice(read));
            if (n == 0) throw Invalid("the file ends inside its header");
            read += n;
        }
    }

    private static InvalidDataException Invalid(string why) => new($"SafeTensors: not a valid safetensors file: {why}.");
}
