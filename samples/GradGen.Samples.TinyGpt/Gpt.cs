using System;
using System.Linq;
using System.Numerics.Tensors;

namespace GradGen.Samples.TinyGpt;

/// <summary>The weights of one transformer block; every matrix is stored [in, out] and multiplied as x·W.</summary>
public sealed class Block
{
    /// <summary>A block of zero tensors of the right shapes for C channels.</summary>
    public Block(int C)
    {
        Ln1W = Gpt.Zeros(C); Ln1B = Gpt.Zeros(C);
        Wqkv = Gpt.Zeros(C, 3 * C); Bqkv = Gpt.Zeros(3 * C);
        Wproj = Gpt.Zeros(C, C); Bproj = Gpt.Zeros(C);
        Ln2W = Gpt.Zeros(C); Ln2B = Gpt.Zeros(C);
        Wfc = Gpt.Zeros(C, 4 * C); Bfc = Gpt.Zeros(4 * C);
        Wfcproj = Gpt.Zeros(4 * C, C); Bfcproj = Gpt.Zeros(C);
    }

    /// <summary>Weight of the layer norm before attention [C].</summary>
    public Tensor<float> Ln1W { get; }
    /// <summary>Bias of the layer norm before attention [C].</summary>
    public Tensor<float> Ln1B { get; }
    /// <summary>The fused q, k, v projection [C, 3C].</summary>
    public Tensor<float> Wqkv { get; }
    /// <summary>Its bias [3C].</summary>
    public Tensor<float> Bqkv { get; }
    /// <summary>The attention output projection [C, C].</summary>
    public Tensor<float> Wproj { get; }
    /// <summary>Its bias [C].</summary>
    public Tensor<float> Bproj { get; }
    /// <summary>Weight of the layer norm before the MLP [C].</summary>
    public Tensor<float> Ln2W { get; }
    /// <summary>Bias of the layer norm before the MLP [C].</summary>
    public Tensor<float> Ln2B { get; }
    /// <summary>The MLP's first layer [C, 4C].</summary>
    public Tensor<float> Wfc { get; }
    /// <summary>Its bias [4C].</summary>
    public Tensor<float> Bfc { get; }
    /// <summary>The MLP's output projection [4C, C].</summary>
    public Tensor<float> Wfcproj { get; }
    /// <summary>Its bias [C].</summary>
    public Tensor<float> Bfcproj { get; }
}

/// <summary>
/// GPT-2's weights: token and position embeddings, L blocks and the final layer norm. The output projection is the
/// token embedding itself (tied weights). Sizes: V tokens, at most <see cref="MaxT"/> positions, C channels, NH heads.
/// </summary>
public sealed class Gpt
{
    /// <summary>A model of zero tensors of the right shapes.</summary>
    public Gpt(int V, int maxT, int C, int NH, int L)
    {
        if (C % NH != 0) throw new ArgumentException($"Gpt: {C} channels do not split into {NH} heads.");
        Vocabulary = V; MaxT = maxT; Channels = C; Heads = NH;
        Wte = Zeros(V, C);
        Wpe = Zeros(maxT, C);
        Blocks = Enumerable.Range(0, L).Select(_ => new Block(C)).ToArray();
        LnfW = Zeros(C);
        LnfB = Zeros(C);
    }

    /// <summary>V, the vocabulary size.</summary>
    public int Vocabulary { get; }
    /// <summary>The longest sequence the position table holds.</summary>
    public int MaxT { get; }
    /// <summary>C, the channels of the residual stream.</summary>
    public int Channels { get; }
    /// <summary>NH, the attention heads (each of size C/NH).</summary>
    public int Heads { get; }

    /// <summary>Token embedding [V, C], also the output projection.</summary>
    public Tensor<float> Wte { get; }
    /// <summary>Position embedding [maxT, C].</summary>
    public Tensor<float> Wpe { get; }
    /// <summary>The transformer blocks.</summary>
    public Block[] Blocks { get; }
    /// <summary>Weight of the final layer norm [C].</summary>
    public Tensor<float> LnfW { get; }
    /// <summary>Bias of the final layer norm [C].</summary>
    public Tensor<float> LnfB { get; }

    /// <summary>
    /// GPT-2's initialisation: every matrix and embedding normal with standard deviation 0.02 (the residual projections
    /// Wproj and Wfcproj scaled by 1/√(2L)), biases 0, layer-norm weights 1.
    /// </summary>
    public static Gpt Create(Random random, int V, int maxT, int C, int NH, int L)
    {
        var model = new Gpt(V, maxT, C, NH, L);
        float residual = 0.02f / MathF.Sqrt(2 * L);
        Normal(random, model.Wte, 0.02f);
        Normal(random, model.Wpe, 0.02f);
        foreach (var block in model.Blocks)
        {
            block.Ln1W.Fill(1); block.Ln2W.Fill(1);
            Normal(random, block.Wqkv, 0.02f);
            Normal(random, block.Wproj, residual);
            Normal(random, block.Wfc, 0.02f);
            Normal(random, block.Wfcproj, residual);
        }
        model.LnfW.Fill(1);
        return model;
    }

    internal static Tensor<float> Zeros(params int[] shape) => Tensor.Create(new float[shape.Aggregate(1, (a, b) => a * b)], shape.Select(n => (nint)n).ToArray());

    private static void Normal(Random random, Tensor<float> tensor, float std)
    {
        var values = System.Runtime.InteropServices.MemoryMarshal.CreateSpan(ref tensor.GetPinnableReference(), (int)tensor.FlattenedLength);
        for (var i = 0; i < values.Length; i++)
        {
            var u1 = 1.0 - random.NextDouble();                                      // Box–Muller
            var u2 = random.NextDouble();
            values[i] = (float)(std * Math.Sqrt(-2.0 * Math.Log(u1)) * Math.Cos(2 * Math.PI * u2));
        }
    }
}
