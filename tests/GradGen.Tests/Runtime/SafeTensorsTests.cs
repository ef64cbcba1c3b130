using System;
using System.Buffers.Binary;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Numerics.Tensors;
using System.Text;
using System.Text.Json;
using static GradGen.Tests.Runtime.TestTensors;

namespace GradGen.Tests.Runtime;

/// <summary>The safetensors format: round trips, a hand-built file, the exact bytes written, and malformed input.</summary>
public class SafeTensorsTests
{
    private static byte[] File(string header, byte[] data, int? declaredLength = null)
    {
        byte[] json = Encoding.UTF8.GetBytes(header);
        var bytes = new byte[8 + json.Length + data.Length];
        BinaryPrimitives.WriteUInt64LittleEndian(bytes, (ulong)(declaredLength ?? json.Length));
        json.CopyTo(bytes, 8);
        data.CopyTo(bytes, 8 + json.Length);
        return bytes;
    }

    [Fact]
    public void Round_trip_of_double_tensors_of_ranks_one_to_four_with_metadata()
    {
        var rng = new Random(80);
        var tensors = new Dictionary<string, Tensor<double>>
        {
            ["wte"] = Random(rng, new[] { 5, 3 }),
            ["h.0.ln_1.bias"] = Random(rng, new[] { 3 }),
            ["att"] = Random(rng, new[] { 2, 2, 3, 3 }),
            ["x"] = Random(rng, new[] { 2, 1, 4 }),
            ["empty"] = Filled(new[] { 0, 3 }, 0),
            ["view"] = Tensor.Transpose(Random(rng, new[] { 2, 3 })),
        };
        using var stream = new MemoryStream();
        SafeTensors.Save(stream, tensors, new Dictionary<string, string> { ["model"] = "TinyGpt" });
        stream.Position = 0;
        var loaded = SafeTensors.Load<double>(stream);
        Assert.Equal(tensors.Keys.Order(), loaded.Keys.Order());
        foreach (var (name, tensor) in tensors)
        {
            Assert.Equal(Shape(tensor), Shape(loaded[name]));
            Assert.Equal(Flat(tensor), Flat(loaded[name]));
        }
        stream.Position = 0;
        var metadata = SafeTensors.ReadMetadata(stream);
        Assert.Equal("TinyGpt", metadata["model"]);
        Assert.Equal("1", metadata[SafeTensors.FormatVersionKey]);
    }

    [Fact]
    public void Round_trip_of_float_tensors_through_a_file()
    {
        string path = Path.Combine(Path.GetTempPath(), $"gradgen-{Guid.NewGuid():N}.safetensors");
        try
        {
            var w = Tensor.Create(new[] { 1.5f, -2.25f, float.MaxValue, float.Epsilon, float.NegativeInfinity, 0f }, new nint[] { 2, 3 });
            SafeTensors.Save(path, new Dictionary<string, Tensor<float>> { ["w"] = w });
            var loaded = SafeTensors.Load<float>(path);
            Assert.Equal(Flat(w), Flat(loaded["w"]));
            Assert.Equal(new[] { 2, 3 }, Shape(loaded["w"]));
            // F32 widens to double exactly.
            Assert.Equal(Flat(w).Select(v => (double)v), Flat(SafeTensors.Load<double>(path)["w"]));
        }
        finally
        {
            System.IO.File.Delete(path);
        }
    }

    [Fact]
    public void The_bytes_written_follow_the_format()
    {
        using var stream = new MemoryStream();
        SafeTensors.Save(stream, new Dictionary<string, Tensor<float>>
        {
            ["b"] = Tensor.Create(new[] { 1f, 2f }, new nint[] { 2 }),
            ["a"] = Tensor.Create(new[] { 3f }, new nint[] { 1 }),
        });
        byte[] bytes = stream.ToArray();
        int n = (int)BinaryPrimitives.ReadUInt64LittleEndian(bytes);
        Assert.Equal(0, n % 8);
        Assert.Equal(8 + n + 12, bytes.Length);
        using var header = JsonDocument.Parse(Encoding.UTF8.GetString(bytes, 8, n).TrimEnd(' '));
        var root = header.RootElement;
        Assert.Equal("1", root.GetProperty("__metadata__").GetProperty("format_version").GetString());
        Assert.Equal("F32", root.GetProperty("a").GetProperty("dtype").GetString());
        Assert.Equal(new[] { 0L, 4L }, root.GetProperty("a").GetProperty("data_offsets").EnumerateArray().Select(e => e.GetInt64()));
        Assert.Equal(new[] { 4L, 12L }, root.GetProperty("b").GetProperty("data_offsets").EnumerateArray().Select(e => e.GetInt64()));
        Assert.Equal(new[] { 2L }, root.GetProperty("b").GetProperty("shape").EnumerateArray().Select(e => e.GetInt64()));
        Assert.Equal(3f, BinaryPrimitives.ReadSingleLittleEndian(bytes.AsSpan(8 + n)));
        Assert.Equal(2f, BinaryPrimitives.ReadSingleLittleEndian(bytes.AsSpan(8 + n + 8)));
    }

    [Fact]
    public void Reads_a_hand_built_file_with_both_dtypes_and_foreign_metadata()
    {
        // As PyTorch writes it: its own metadata ("format": "pt"), no GradGen version, a scalar, tensors out of name order.
        var data = new byte[16 + 24 + 8];
        float[] w = { 1f, -2f, 0.5f, 4f };
        for (int i = 0; i < 4; i++) BinaryPrimitives.WriteSingleLittleEndian(data.AsSpan(4 * i), w[i]);
        double[] b = { 0.1, -0.2, 1e300 };
        for (int i = 0; i < 3; i++) BinaryPrimitives.WriteDoubleLittleEndian(data.AsSpan(16 + 8 * i), b[i]);
        BinaryPrimitives.WriteDoubleLittleEndian(data.AsSpan(40), 7.0);
        string header = "{\"w\":{\"dtype\":\"F32\",\"shape\":[2,2],\"data_offsets\":[0,16]},\"__metadata__\":{\"format\":\"pt\"},"
                      + "\"b\":{\"dtype\":\"F64\",\"shape\":[3],\"data_offsets\":[16,40]},\"s\":{\"dtype\":\"F64\",\"shape\":[],\"data_offsets\":[40,48]}}   ";
        var loaded = SafeTensors.Load<double>(new MemoryStream(File(header, data)));
        Assert.Equal(new double[] { 1, -2, 0.5, 4 }, Flat(loaded["w"]));
        Assert.Equal(new[] { 2, 2 }, Shape(loaded["w"]));
        Assert.Equal(b, Flat(loaded["b"]));
        Assert.Equal(new[] { 1 }, Shape(loaded["s"]));
        Assert.Equal(7.0, loaded["s"][0]);
        Assert.Equal("pt", SafeTensors.ReadMetadata(new MemoryStream(File(header, data)))["format"]);
        var asFloat = SafeTensors.Load<float>(new MemoryStream(File(header, data)));
        Assert.Equal(new[] { 0.1f, -0.2f, float.PositiveInfinity }, Flat(asFloat["b"]));
    }

    [Fact]
    public void Malformed_files_are_rejected_with_a_reason()
    {
        string ok = "{\"w\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]}}";
        var data = new byte[8];
        Assert.Single(SafeTensors.Load<float>(new MemoryStream(File(ok, data))));
        Assert.Throws<InvalidDataException>(() => SafeTensors.Load<float>(new MemoryStream(File(ok, data).AsSpan(0, 20).ToArray())));
        Assert.Throws<InvalidDataException>(() => SafeTensors.Load<float>(new MemoryStream(File(ok, data, declaredLength: 1 << 30))));
        var error = Assert.Throws<InvalidDataException>(() => SafeTensors.Load<float>(new MemoryStream(File(ok, new byte[4]))));
        Assert.Contains("data_offsets outside the 4 data bytes", error.Message);
        error = Assert.Throws<InvalidDataException>(() => SafeTensors.Load<float>(new MemoryStream(File(ok.Replace("[2]", "[3]"), data))));
        Assert.Contains("needs 12 bytes, its data_offsets give 8", error.Message);
        Assert.Throws<InvalidDataException>(() => SafeTensors.Load<float>(new MemoryStream(File("{\"w\":", data))));
        var dtype = Assert.Throws<NotSupportedException>(() => SafeTensors.Load<float>(new MemoryStream(File(ok.Replace("F32", "BF16"), data))));
        Assert.Contains("dtype BF16", dtype.Message);
        string future = "{\"__metadata__\":{\"format_version\":\"2\"}}";
        Assert.Throws<NotSupportedException>(() => SafeTensors.Load<float>(new MemoryStream(File(future, Array.Empty<byte>()))));
        Assert.Throws<ArgumentException>(() => SafeTensors.Save(new MemoryStream(), new Dictionary<string, Tensor<float>>(), new Dictionary<string, string> { ["format_version"] = "9" }));
        Assert.Throws<ArgumentException>(() => SafeTensors.Save(new MemoryStream(), new Dictionary<string, Tensor<float>> { ["__metadata__"] = Tensor.Create(new float[1], new nint[] { 1 }) }));
    }
}
