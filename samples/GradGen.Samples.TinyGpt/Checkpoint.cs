using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Numerics.Tensors;

namespace GradGen.Samples.TinyGpt;

/// <summary>
/// Saves a <see cref="Gpt"/> as safetensors (readable by PyTorch's <c>safetensors.torch.load_file</c>): one F32 tensor
/// per weight, named by its path in the model (<c>Wte</c>, <c>Blocks[0].Wqkv</c>, …), and the sizes in the metadata.
/// </summary>
public static class Checkpoint
{
    /// <summary>Writes the weights and sizes of <paramref name="model"/> to <paramref name="path"/>.</summary>
    public static void Save(string path, Gpt model)
    {
        var tensors = Parameters.Leaves(model).ToDictionary(l => l.Path, l => (Tensor<float>)l.Tensor);
        var metadata = new Dictionary<string, string>
        {
            ["model"] = "GradGen.Samples.TinyGpt (GPT-2, weights [in, out])",
            ["vocabulary"] = Text(model.Vocabulary),
            ["max_t"] = Text(model.MaxT),
            ["channels"] = Text(model.Channels),
            ["heads"] = Text(model.Heads),
            ["layers"] = Text(model.Blocks.Length),
        };
        SafeTensors.Save(path, tensors, metadata);
    }

    /// <summary>Reads a model written by <see cref="Save"/>: the sizes from the metadata, then every weight by name.</summary>
    public static Gpt Load(string path)
    {
        var metadata = SafeTensors.ReadMetadata(path);
        int Size(string key) => metadata.TryGetValue(key, out var value) ? int.Parse(value, CultureInfo.InvariantCulture)
            : throw new ArgumentException($"TinyGpt: {path} has no '{key}' in its metadata; it was not written by this sample.");
        var model = new Gpt(Size("vocabulary"), Size("max_t"), Size("channels"), Size("heads"), Size("layers"));
        var tensors = SafeTensors.Load<float>(path);
        foreach (var (name, leaf) in Parameters.Leaves(model))
        {
            var target = (Tensor<float>)leaf;
            if (!tensors.TryGetValue(name, out var saved)) throw new ArgumentException($"TinyGpt: {path} lacks the tensor '{name}'.");
            if (!saved.Lengths.SequenceEqual(target.Lengths)) throw new ArgumentException($"TinyGpt: '{name}' in {path} is [{string.Join(", ", saved.Lengths.ToArray())}], the model needs [{string.Join(", ", target.Lengths.ToArray())}].");
            saved.CopyTo(target);
        }
        return model;
    }

    private static string Text(int value) => value.ToString(CultureInfo.InvariantCulture);
}
