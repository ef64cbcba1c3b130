using System;
using System.Numerics.Tensors;
using GradGen;

namespace GradGen.Samples.TinyGpt;

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
    public static Tensor<float> Block(Block layer, Tensor<float> x, int B, int T, int C, int NH)
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
