using System;
using System.Linq;
using System.Numerics.Tensors;
using GradGen;

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
    [Shape("C")] public Tensor<float> Ln1W { get; }
    /// <summary>Bias of the layer norm before attention [C].</summary>
    [Shape("C")] public Tensor<float> Ln1B { get; }
    /// <summary>The fused q, k, v projection [C, 3C].</summary>
    [Shape("C, 3*C")] public Tensor<float> Wqkv { get; }
    /// <summary>Its bias [3C].</summary>
    [Shape("3*C")] public Tensor<float> Bqkv { get; }
    /// <summary>The attention output projection [C, C].</summary>
    [Shape("C, C")] public Tensor<float> Wproj { get; }
    /// <summary>Its bias [C].</summary>
    [Shape("C")] public Tensor<float> Bproj { get; }
    /// <summary>Weight of the layer norm before the MLP [C].</summary>
    [Shape("C")] public Tensor<float> Ln2W { get; }
    /// <summary>Bias of the layer norm before the MLP [C].</summary>
    [Shape("C")] public Tensor<float> Ln2B { get; }
    /// <summary>The MLP's first layer [C, 4C].</summary>
    [Shape("C, 4*C")] public Tensor<float> Wfc { get; }
    /// <summary>Its bias [4C].</summary>
    [Shape("4*C")] public Tensor<float> Bfc { get; }
    /// <summary>The MLP's output projection [4C, C].</summary>
    [Shape("4*C, C")] public Tensor<float> Wfcproj { get; }
    /// <summary>Its bias [C].</summary>
    [Shape("C")] public Tensor<float> Bfcproj { get; }
}

/// <summary>
/// GPT-2's weights: token and position embeddings, L blocks and the final layer norm. The output projection is the
/// token embedding itself (tied weights). Sizes: V tokens, at most <see cref="MaxT"/> positions, C channels, NH heads.
/// </summary>
public sealed partial class Gpt
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
    [Shape("V, C")] public Tensor<float> Wte { get; }
    /// <summary>Position embedding [maxT, C].</summary>
    [Shape("MaxT, C")] public Tensor<float> Wpe { get; }
    /// <summary>The transformer blocks.</summary>
    public Block[] Blocks { get; }
    /// <summary>Weight of the final layer norm [C].</summary>
    [Shape("C")] public Tensor<float> LnfW { get; }
    /// <summary>Bias of the final layer norm [C].</summary>
    [Shape("C")] public Tensor<float> LnfB { get; }

    internal static Tensor<float> Zeros(params int[] shape) => Tensor.Create(new float[shape.Aggregate(1, (a, b) => a * b)], shape.Select(n => (nint)n).ToArray());
}

/// <summary>
/// GPT-2 (as llm.c's <c>train_gpt2.c</c>), written forward only. GradGen generates <c>LossBackward</c>,
/// <c>LogitsBackward</c> and <c>BlockBackward</c> from these methods at compile time.
/// </summary>
public static partial class TinyGpt
{
    /// <summary>Mean cross-entropy of the next-token prediction over all B·T positions.</summary>
    /// <param name="model">The weights.</param>
    /// <param name="tokens">The input ids, B·T of them, row-major [B, T].</param>
    /// <param name="targets">The id that follows each input id, B·T of them.</param>
    /// <param name="B">The batch size.</param>
    /// <param name="T">The sequence length (at most the rows of <c>model.Wpe</c>).</param>
    [Differentiable]
    public static float Loss(Gpt model, int[] tokens, int[] targets, int B, int T)
    {
        var logits = Logits(model, tokens, B, T);                                    // [B, T, V]
        return Ops.SoftmaxCrossEntropy(Ops.Reshape(logits, B * T, model.Vocabulary), targets);
    }

    /// <summary>The next-token logits [B, T, V] of every position.</summary>
    [Differentiable]
    public static Tensor<float> Logits(Gpt model, int[] tokens, int B, int T)
    {
        var x = Ops.Embedding(model.Wte, tokens, B, T) + Ops.Slice(model.Wpe, 0, 0, T); // token + position embeddings [B, T, C]
        foreach (var block in model.Blocks)
        {
            x = Block(block, x, B, T, model.Channels, model.Heads);
        }
        x = Ops.LayerNorm(x, model.LnfW, model.LnfB, 1e-5f);                        // final layer norm
        return Ops.MatMul(x, Ops.Transpose(model.Wte));                              // tied weights: logits = x·wteᵀ
    }

    /// <summary>One transformer block: causal self-attention, then the MLP, each added to the residual stream x [B, T, C].</summary>
    [Differentiable]
    [return: Shape("B, T, C")]
    public static Tensor<float> Block(Block layer, [Shape("B, T, C")] Tensor<float> x, int B, int T, int C, int NH)
    {
        int hs = C / NH;                                                             // head size

        // attention
        var h = Ops.LayerNorm(x, layer.Ln1W, layer.Ln1B, 1e-5f);
        var qkv = Ops.MatMul(h, layer.Wqkv) + layer.Bqkv;                            // [B, T, 3C]: q, then k, then v
        var q = Ops.TransposeAxes(Ops.Reshape(Ops.Slice(qkv, 2, 0, C), B, T, NH, hs), 1, 2);     // [B, NH, T, hs]
        var k = Ops.TransposeAxes(Ops.Reshape(Ops.Slice(qkv, 2, C, C), B, T, NH, hs), 1, 2);
        var v = Ops.TransposeAxes(Ops.Reshape(Ops.Slice(qkv, 2, 2 * C, C), B, T, NH, hs), 1, 2);
        var att = Ops.CausalSoftmax(Ops.MatMul(q, Ops.TransposeAxes(k, 2, 3)), 1f / MathF.Sqrt(hs)); // [B, NH, T, T]
        var y = Ops.Reshape(Ops.TransposeAxes(Ops.MatMul(att, v), 1, 2), B, T, C);  // heads concatenated [B, T, C]
        var residual = x + Ops.MatMul(y, layer.Wproj) + layer.Bproj;               // x + attention(LN(x))

        // MLP
        h = Ops.LayerNorm(residual, layer.Ln2W, layer.Ln2B, 1e-5f);
        var fc = Ops.Gelu(Ops.MatMul(h, layer.Wfc) + layer.Bfc);                     // [B, T, 4C]
        return residual + Ops.MatMul(fc, layer.Wfcproj) + layer.Bfcproj;          // + MLP(LN(residual))
    }
}
