using System;
using System.Collections.Generic;
using System.Linq;
using System.Numerics.Tensors;
using Xunit.Abstractions;
using static GradGen.Tests.Runtime.TestTensors;

namespace GradGen.Tests.Runtime;

/// <summary>
/// A one-layer GPT-2 (llm.c's model: embeddings, LayerNorm, causal self-attention with heads, GELU MLP, final LayerNorm,
/// tied output projection, cross-entropy over [B, T, V]) written with the runtime ops, and its backward chained by hand
/// from the runtime kernels — what generated code will do. Every parameter's gradient is checked against central
/// differences in double: the kernels compose, the sub-ranges line up, and the tied embedding sums both uses.
/// </summary>
public class TransformerBlockTests(ITestOutputHelper output)
{
    private const int B = 2, T = 4, C = 8, NH = 2, HS = C / NH, V = 11, MaxT = 6;
    private const double Eps = 1e-5;
    private static readonly double Scale = 1 / Math.Sqrt(HS);

    private static readonly (string Name, int[] Shape)[] Layout =
    {
        ("wte", new[] { V, C }), ("wpe", new[] { MaxT, C }),
        ("ln1w", new[] { C }), ("ln1b", new[] { C }), ("wqkv", new[] { C, 3 * C }), ("bqkv", new[] { 3 * C }),
        ("wproj", new[] { C, C }), ("bproj", new[] { C }), ("ln2w", new[] { C }), ("ln2b", new[] { C }),
        ("wfc", new[] { C, 4 * C }), ("bfc", new[] { 4 * C }), ("wfcp", new[] { 4 * C, C }), ("bfcp", new[] { C }),
        ("lnfw", new[] { C }), ("lnfb", new[] { C }),
    };

    private sealed class Tape
    {
        public Tensor<double> X1 = null!, H1f = null!, X2 = null!, H2f = null!, F = null!, G = null!, X3 = null!, Hf = null!;
        public Tensor<double> Logits = null!, WteT = null!, Y = null!;
        public Tensor<double>[] Parts = null!, Heads = null!;
        public Tensor<double>[,][] Qkv = null!;     // [b, h] → q, k, v [T, hs]
        public Tensor<double>[,] KT = null!, Att = null!;
        public Tensor<double>[] RowsB = null!;      // per b: [1, NH, T, hs]
        public Tensor<double>[][] HeadParts = null!; // per b, h: [1, 1, T, hs]
    }

    private static double Forward(Dictionary<string, Tensor<double>> p, int[] tokens, int[] targets, Tape tape)
    {
        var x0 = Ops.Embedding(p["wte"], tokens, B, T);
        tape.X1 = Ops.Add(x0, Ops.Slice(p["wpe"], 0, 0, T));
        tape.H1f = Ops.Reshape(Ops.LayerNorm(tape.X1, p["ln1w"], p["ln1b"], Eps), B * T, C);
        var qkv = Ops.Add(Ops.MatMul(tape.H1f, p["wqkv"]), p["bqkv"]);
        tape.Parts = Ops.Split(Ops.Reshape(qkv, B, T, 3 * C), -1, 3);
        tape.Heads = tape.Parts.Select(part => Ops.TransposeAxes(Ops.Reshape(part, B, T, NH, HS), 1, 2)).ToArray();
        tape.Qkv = new Tensor<double>[B, NH][];
        tape.KT = new Tensor<double>[B, NH];
        tape.Att = new Tensor<double>[B, NH];
        tape.HeadParts = new Tensor<double>[B][];
        tape.RowsB = new Tensor<double>[B];
        for (int b = 0; b < B; b++)
        {
            tape.HeadParts[b] = new Tensor<double>[NH];
            for (int h = 0; h < NH; h++)
            {
                var qkvHead = tape.Heads.Select(x => Ops.Reshape(Ops.Slice(Ops.Slice(x, 0, b, 1), 1, h, 1), T, HS)).ToArray();
                tape.Qkv[b, h] = qkvHead;
                tape.KT[b, h] = Ops.Transpose(qkvHead[1]);
                tape.Att[b, h] = Ops.CausalSoftmax(Ops.MatMul(qkvHead[0], tape.KT[b, h]), Scale);
                tape.HeadParts[b][h] = Ops.Reshape(Ops.MatMul(tape.Att[b, h], qkvHead[2]), 1, 1, T, HS);
            }
            tape.RowsB[b] = Ops.Concat(1, tape.HeadParts[b]);
        }
        var yHeads = Ops.Concat(0, tape.RowsB);                                   // [B, NH, T, hs]
        tape.Y = Ops.Reshape(Ops.TransposeAxes(yHeads, 1, 2), B * T, C);        // heads concatenated
        var attnOut = Ops.Add(Ops.MatMul(tape.Y, p["wproj"]), p["bproj"]);
        tape.X2 = Ops.Add(tape.X1, Ops.Reshape(attnOut, B, T, C));
        tape.H2f = Ops.Reshape(Ops.LayerNorm(tape.X2, p["ln2w"], p["ln2b"], Eps), B * T, C);
        tape.F = Ops.Add(Ops.MatMul(tape.H2f, p["wfc"]), p["bfc"]);
        tape.G = Ops.Gelu(tape.F);
        var m = Ops.Add(Ops.MatMul(tape.G, p["wfcp"]), p["bfcp"]);
        tape.X3 = Ops.Add(tape.X2, Ops.Reshape(m, B, T, C));
        tape.Hf = Ops.Reshape(Ops.LayerNorm(tape.X3, p["lnfw"], p["lnfb"], Eps), B * T, C);
        tape.WteT = Ops.Transpose(p["wte"]);
        tape.Logits = Ops.Reshape(Ops.MatMul(tape.Hf, tape.WteT), B, T, V);
        return Ops.SoftmaxCrossEntropy(tape.Logits, targets);
    }

    private static void Backward(Dictionary<string, Tensor<double>> p, Dictionary<string, Tensor<double>> g, int[] tokens, int[] targets, Tape t)
    {
        Tensor<double> Zeros(params int[] shape) => Filled(shape, 0);
        var dLogits = Zeros(B, T, V);
        Adjoint.SoftmaxCrossEntropy(1.0, t.Logits, targets, dLogits);
        var dLogitsF = Ops.Reshape(dLogits, B * T, V);
        var dHf = Zeros(B * T, C);
        Adjoint.MatMulLeft(dLogitsF, t.WteT, dHf);
        var dWteT = Zeros(C, V);
        Adjoint.MatMulRight(t.Hf, dLogitsF, dWteT);
        Adjoint.Transpose(dWteT, g["wte"]);                                       // tied weight: output projection
        var dX3 = Zeros(B, T, C);
        Adjoint.LayerNorm(Ops.Reshape(dHf, B, T, C), t.X3, p["lnfw"], Eps, dX3, g["lnfw"], g["lnfb"]);

        var dX2 = Zeros(B, T, C);
        Adjoint.Identity(dX3, dX2);                                               // residual
        var dM = Zeros(B * T, C);
        Adjoint.Reshape(dX3, dM);
        Adjoint.Identity(dM, g["bfcp"]);
        var dG = Zeros(B * T, 4 * C);
        Adjoint.MatMulLeft(dM, p["wfcp"], dG);
        Adjoint.MatMulRight(t.G, dM, g["wfcp"]);
        var dF = Zeros(B * T, 4 * C);
        Adjoint.Gelu(dG, t.F, dF);
        Adjoint.Identity(dF, g["bfc"]);
        var dH2f = Zeros(B * T, C);
        Adjoint.MatMulLeft(dF, p["wfc"], dH2f);
        Adjoint.MatMulRight(t.H2f, dF, g["wfc"]);
        Adjoint.LayerNorm(Ops.Reshape(dH2f, B, T, C), t.X2, p["ln2w"], Eps, dX2, g["ln2w"], g["ln2b"]);

        var dX1 = Zeros(B, T, C);
        Adjoint.Identity(dX2, dX1);                                               // residual
        var dAttn = Zeros(B * T, C);
        Adjoint.Reshape(dX2, dAttn);
        Adjoint.Identity(dAttn, g["bproj"]);
        var dY = Zeros(B * T, C);
        Adjoint.MatMulLeft(dAttn, p["wproj"], dY);
        Adjoint.MatMulRight(t.Y, dAttn, g["wproj"]);
        var dYT = Zeros(B, T, NH, HS);
        Adjoint.Reshape(dY, dYT);
        var dYHeads = Zeros(B, NH, T, HS);
        Adjoint.TransposeAxes(dYT, 1, 2, dYHeads);
        var dRowsB = Enumerable.Range(0, B).Select(_ => (Tensor<double>?)Zeros(1, NH, T, HS)).ToArray();
        Adjoint.Concat(dYHeads, 0, t.RowsB, dRowsB);
        var dHeads = new[] { Zeros(B, NH, T, HS), Zeros(B, NH, T, HS), Zeros(B, NH, T, HS) };
        for (int b = 0; b < B; b++)
        {
            var dHeadParts = Enumerable.Range(0, NH).Select(_ => (Tensor<double>?)Zeros(1, 1, T, HS)).ToArray();
            Adjoint.Concat(dRowsB[b]!, 1, t.HeadParts[b], dHeadParts);
            for (int h = 0; h < NH; h++)
            {
                Tensor<double>[] qkv = t.Qkv[b, h];
                var dOut = Zeros(T, HS);
                Adjoint.Reshape(dHeadParts[h]!, dOut);
                var dAtt = Zeros(T, T);
                Adjoint.MatMulLeft(dOut, qkv[2], dAtt);
                var dV = Zeros(T, HS);
                Adjoint.MatMulRight(t.Att[b, h], dOut, dV);
                var dScores = Zeros(T, T);
                Adjoint.CausalSoftmax(dAtt, t.Att[b, h], Scale, dScores);
                var dQ = Zeros(T, HS);
                Adjoint.MatMulLeft(dScores, t.KT[b, h], dQ);
                var dKT = Zeros(HS, T);
                Adjoint.MatMulRight(qkv[0], dScores, dKT);
                var dK = Zeros(T, HS);
                Adjoint.Transpose(dKT, dK);
                var perHead = new[] { dQ, dK, dV };
                for (int i = 0; i < 3; i++)
                {
                    var d1 = Zeros(1, 1, T, HS);
                    Adjoint.Reshape(perHead[i], d1);
                    var d2 = Zeros(1, NH, T, HS);
                    Adjoint.Slice(d1, 1, h, d2);
                    Adjoint.Slice(d2, 0, b, dHeads[i]);
                }
            }
        }
        var dParts = new Tensor<double>?[3];
        for (int i = 0; i < 3; i++)
        {
            var dSplitHeads = Zeros(B, T, NH, HS);
            Adjoint.TransposeAxes(dHeads[i], 1, 2, dSplitHeads);
            dParts[i] = Zeros(B, T, C);
            Adjoint.Reshape(dSplitHeads, dParts[i]!);
        }
        var dQkv3 = Zeros(B, T, 3 * C);
        Adjoint.Split(dParts, -1, dQkv3);
        var dQkv = Zeros(B * T, 3 * C);
        Adjoint.Reshape(dQkv3, dQkv);
        Adjoint.Identity(dQkv, g["bqkv"]);
        var dH1f = Zeros(B * T, C);
        Adjoint.MatMulLeft(dQkv, p["wqkv"], dH1f);
        Adjoint.MatMulRight(t.H1f, dQkv, g["wqkv"]);
        Adjoint.LayerNorm(Ops.Reshape(dH1f, B, T, C), t.X1, p["ln1w"], Eps, dX1, g["ln1w"], g["ln1b"]);

        Adjoint.Embedding(dX1, tokens, g["wte"]);                                 // tied weight: token embedding
        var dPos = Zeros(T, C);
        Adjoint.Identity(dX1, dPos);                                              // pos broadcast over B
        Adjoint.Slice(dPos, 0, 0, g["wpe"]);
    }

    [Fact]
    public void Every_parameter_gradient_of_a_one_layer_gpt_matches_finite_differences()
    {
        var rng = new Random(100);
        var p = Layout.ToDictionary(e => e.Name, e => e.Name.StartsWith("ln") && e.Name.EndsWith('w')
            ? Random(rng, e.Shape, 0.8, 1.2)
            : Random(rng, e.Shape, -0.5, 0.5));
        int[] tokens = Enumerable.Range(0, B * T).Select(_ => rng.Next(V)).ToArray();
        tokens[3] = tokens[0]; // a repeated id
        int[] targets = Enumerable.Range(0, B * T).Select(_ => rng.Next(V)).ToArray();
        double loss = Forward(p, tokens, targets, new Tape());
        Assert.InRange(loss, 1.0, 4.0);
        double worst = 0;
        foreach (var (name, _) in Layout)
        {
            double error = Vjp.CheckScalar(_ => Forward(p, tokens, targets, new Tape()), p[name], into =>
            {
                var g = Layout.ToDictionary(e => e.Name, e => e.Name == name ? into : Filled(e.Shape, 0));
                var tape = new Tape();
                Forward(p, tokens, targets, tape);
                Backward(p, g, tokens, targets, tape);
            });
            output.WriteLine($"{name,-6} {string.Join('x', p[name].Lengths.ToArray()),-6} max error {error:E2}");
            worst = Math.Max(worst, error);
        }
        output.WriteLine($"loss {loss:F6}; worst max error over all {Layout.Length} parameters {worst:E2}");
    }
}
