using System.Threading.Tasks;

namespace GradGen.Tests.Diagnostics;

/// <summary>
/// GG0012, shapes checked while you type: a corpus of the shape mistakes people make (transposed weights, a wrong axis,
/// missing keep-dims, off-by-one slices, heads that do not divide, a wrong embedding width, tied weights of different
/// shapes, System.Numerics.Tensors' operator trap), each exactly one diagnostic at the expression; and correct programs
/// with the same annotations, with none. Only certain contradictions count: unknown stays silent.
/// </summary>
public class ShapeDiagnosticTests
{
    private static string Method(string signature, string body) =>
        "public static partial class C\n{\n    [Differentiable]\n    public static double F(" + signature + ")\n    {\n" + body + "\n    }\n}\n";

    /// <summary>(case, source with markup).</summary>
    public static TheoryData<string, string> Corpus => new()
    {
        { "transposed weight", Method("[Shape(\"B, 784\")] Tensor<double> x, [Shape(\"128, 784\")] Tensor<double> w", "return Ops.Sum({|GG0012:Ops.MatMul(x, w)|});") },
        { "transposed weight, symbolic", Method("[Shape(\"B, C\")] Tensor<double> x, [Shape(\"4*C, C\")] Tensor<double> w", "return Ops.Sum({|GG0012:Ops.MatMul(x, w)|});") },
        { "second layer", Method("[Shape(\"B, 784\")] Tensor<double> x, [Shape(\"784, 128\")] Tensor<double> w1, [Shape(\"64, 10\")] Tensor<double> w2",
            "var h = Ops.Relu(Ops.MatMul(x, w1));\n return Ops.Sum({|GG0012:Ops.MatMul(h, w2)|});") },
        { "bias of another width", Method("[Shape(\"B, 784\")] Tensor<double> x, [Shape(\"784, 128\")] Tensor<double> w, [Shape(\"64\")] Tensor<double> b",
            "return Ops.Sum({|GG0012:Ops.MatMul(x, w) + b|});") },
        { "bias of another width, as a row", Method("[Shape(\"B, 784\")] Tensor<double> x, [Shape(\"784, 128\")] Tensor<double> w, [Shape(\"1, 64\")] Tensor<double> b",
            "return Ops.Sum({|GG0012:Ops.Add(Ops.MatMul(x, w), b)|});") },
        { "element-wise of different widths", Method("[Shape(\"32, 10\")] Tensor<double> x, [Shape(\"32, 11\")] Tensor<double> y", "return Ops.Sum({|GG0012:Ops.Multiply(x, y)|});") },
        { "missing keep-dims", Method("[Shape(\"2, 8, 16\")] Tensor<double> x", "var centred = {|GG0012:Ops.Subtract(x, Ops.Mean(x, -1, false))|};\n return Ops.Sum(centred);") },
        { "operator trap: keep-dims on the right", Method("[Shape(\"2, 8, 16\")] Tensor<double> x", "var centred = {|GG0012:x - Ops.Mean(x, -1, true)|};\n return Ops.Sum(centred);") },
        { "operator trap: [N, 1] - [N]", Method("[Shape(\"3, 1\")] Tensor<double> pred, [NoGradient, Shape(\"3\")] Tensor<double> y", "return Ops.Sum(Ops.Square({|GG0012:pred - y|}));") },
        { "operator trap: [B, 1, H] + [B, H]", Method("[Shape(\"4, 1, 8\")] Tensor<double> a, [Shape(\"4, 8\")] Tensor<double> b", "return Ops.Sum({|GG0012:a + b|});") },
        { "reshape of another size", Method("[Shape(\"2, 12\")] Tensor<double> x", "return Ops.Sum({|GG0012:Ops.Reshape(x, 5, 5)|});") },
        { "heads that do not divide", Method("[Shape(\"2, 5, 10\")] Tensor<double> x", "var heads = {|GG0012:Ops.Reshape(x, 2, 5, 3, 4)|};\n return Ops.Sum(heads);") },
        { "slice past the end", Method("[Shape(\"4, 6\")] Tensor<double> x", "return Ops.Sum({|GG0012:Ops.Slice(x, 1, 4, 3)|});") },
        { "slice before the start", Method("[Shape(\"4, 6\")] Tensor<double> x", "return Ops.Sum({|GG0012:Ops.Slice(x, 0, -1, 2)|});") },
        { "LayerNorm weight of another width", Method("[Shape(\"B, T, 16\")] Tensor<double> x, [Shape(\"32\")] Tensor<double> w, [Shape(\"16\")] Tensor<double> b",
            "return Ops.Sum({|GG0012:Ops.LayerNorm(x, w, b, 1e-5)|});") },
        { "LayerNorm bias of another width", Method("[Shape(\"B, T, 16\")] Tensor<double> x, [Shape(\"16\")] Tensor<double> w, [Shape(\"8\")] Tensor<double> b",
            "return Ops.Sum({|GG0012:Ops.LayerNorm(x, w, b, 1e-5)|});") },
        { "LayerNorm weight as a matrix", Method("[Shape(\"B, 16\")] Tensor<double> x, [Shape(\"1, 16\")] Tensor<double> w, [Shape(\"16\")] Tensor<double> b",
            "return Ops.Sum({|GG0012:Ops.LayerNorm(x, w, b, 1e-5)|});") },
        { "attention without transposing k", Method("[Shape(\"2, 4, 5, 8\")] Tensor<double> q, [Shape(\"2, 4, 5, 8\")] Tensor<double> k", "return Ops.Sum({|GG0012:Ops.MatMul(q, k)|});") },
        { "attention transposing the wrong axes", Method("[Shape(\"2, 4, 5, 8\")] Tensor<double> q, [Shape(\"2, 4, 5, 8\")] Tensor<double> k",
            "return Ops.Sum({|GG0012:Ops.MatMul(q, Ops.TransposeAxes(k, 1, 2))|});") },
        { "a transpose too many", Method("[Shape(\"3, 4\")] Tensor<double> x, [Shape(\"4, 5\")] Tensor<double> w", "return Ops.Sum({|GG0012:Ops.MatMul(x, Ops.Transpose(w))|});") },
        { "embedding width against positions", Method("[Shape(\"50, 16\")] Tensor<double> wte, [Shape(\"8, 32\")] Tensor<double> wpe, int[] ids",
            "var tok = Ops.Embedding(wte, ids, 2, 8);\n var pos = Ops.Slice(wpe, 0, 0, 8);\n return Ops.Sum({|GG0012:Ops.Add(tok, pos)|});") },
        { "tied weights of different widths", Method("[Shape(\"2, 5, 16\")] Tensor<double> h, [Shape(\"50, 32\")] Tensor<double> wte", "return Ops.Sum({|GG0012:Ops.MatMul(h, Ops.Transpose(wte))|});") },
        { "sum along the wrong axis", Method("[Shape(\"4, 6\")] Tensor<double> x", "return Ops.Sum({|GG0012:Ops.Add(x, Ops.Sum(x, 1, false))|});") },
        { "normalising without keep-dims", Method("[Shape(\"2, 8, 16\")] Tensor<double> x", "return Ops.Sum({|GG0012:Ops.Divide(x, Ops.Sum(x, -1, false))|});") },
        { "MLP projection used for the expansion", Method("[Shape(\"B, T, C\")] Tensor<double> x, [Shape(\"C, 4*C\")] Tensor<double> fc, [Shape(\"4*C, C\")] Tensor<double> proj",
            "var h = Ops.Gelu(Ops.MatMul(x, fc));\n return Ops.Sum({|GG0012:Ops.MatMul(h, fc)|});") },
        { "flows through a reshape", Method("[Shape(\"B, 12\")] Tensor<double> x, [Shape(\"5, 2\")] Tensor<double> w, int B",
            "var r = Ops.Reshape(x, B, 3, 4);\n return Ops.Sum({|GG0012:Ops.MatMul(r, w)|});") },
        { "flows through a slice (q of qkv)", Method("[Shape(\"2, 5, 48\")] Tensor<double> qkv, [Shape(\"32, 16\")] Tensor<double> w",
            "var q = Ops.Slice(qkv, 2, 0, 16);\n return Ops.Sum({|GG0012:Ops.MatMul(q, w)|});") },
        { "flows through a permutation", Method("[Shape(\"2, 3, 4\")] Tensor<double> x, [Shape(\"4, 5\")] Tensor<double> w",
            "var p = Ops.Permute(x, 0, 2, 1);\n return Ops.Sum({|GG0012:Ops.MatMul(p, w)|});") },
        { "flows through element-wise ops", Method("[Shape(\"B, 784\")] Tensor<double> x, [Shape(\"10, 784\")] Tensor<double> w",
            "var h = Ops.Tanh(x) * 2.0;\n var g = Ops.Sigmoid(h);\n return Ops.Sum({|GG0012:Ops.MatMul(g, w)|});") },
        { "the tutorial's slip: four classes of weights, three of bias", Method("[Shape(\"B, 2\")] Tensor<double> x, [Shape(\"2, H\")] Tensor<double> w1, [Shape(\"H\")] Tensor<double> b1, [Shape(\"H, 4\")] Tensor<double> w2, [Shape(\"3\")] Tensor<double> b2, int[] targets",
            "var h = Ops.Relu(Ops.MatMul(x, w1) + b1);\n return Ops.SoftmaxCrossEntropy({|GG0012:Ops.MatMul(h, w2) + b2|}, targets);") },
        { "a GPT block's qkv weight stored transposed", """
            public sealed class Block
            {
                public Block(Tensor<double> wqkv, Tensor<double> bqkv) { Wqkv = wqkv; Bqkv = bqkv; }
                [Shape("3*C, C")] public Tensor<double> Wqkv { get; }
                [Shape("3*C")] public Tensor<double> Bqkv { get; }
            }

            public static partial class C
            {
                [Differentiable]
                public static double F(Block layer, [Shape("B, T, C")] Tensor<double> x, int C) => Ops.Sum(Ops.Slice({|GG0012:Ops.MatMul(x, layer.Wqkv)|} + layer.Bqkv, 2, 0, C));
            }
            """ },
        { "a call passes another shape than the callee declares", """
            public static partial class C
            {
                [Differentiable]
                public static double G([Shape("B, 16")] Tensor<double> x) => Ops.Sum(x);

                [Differentiable]
                public static double F([Shape("B, 8")] Tensor<double> x) => {|GG0012:G(x)|} * 2.0;
            }
            """ },
        { "shapes flow out of a call", """
            public static partial class C
            {
                [Differentiable]
                [return: Shape("B, H")]
                public static Tensor<double> Layer([Shape("B, D")] Tensor<double> x, [Shape("D, H")] Tensor<double> w) => Ops.Tanh(Ops.MatMul(x, w));

                [Differentiable]
                public static double F([Shape("4, 8")] Tensor<double> x, [Shape("8, 16")] Tensor<double> w, [Shape("32, 2")] Tensor<double> v) => Ops.Sum({|GG0012:Ops.MatMul(Layer(x, w), v)|});
            }
            """ },
        { "an int argument is the callee's symbol", """
            public static partial class C
            {
                [Differentiable]
                public static double Heads([Shape("B, T, C")] Tensor<double> x, int B, int T, int C) => Ops.Sum(x);

                [Differentiable]
                public static double F([Shape("2, 5, 16")] Tensor<double> x) => {|GG0012:Heads(x, 2, 5, 12)|};
            }
            """ },
        { "the result against its declared shape", """
            public static partial class C
            {
                [Differentiable]
                [return: Shape("B, 3")]
                public static Tensor<double> F([Shape("B, 2")] Tensor<double> x, [Shape("2, 4")] Tensor<double> w) => {|GG0012:Ops.MatMul(x, w)|};
            }
            """ },
        { "a carried value keeps its shape through a loop", Method("[Shape(\"B, 4\")] Tensor<double> x, [Shape(\"4, 4\")] Tensor<double> w, [Shape(\"5, 2\")] Tensor<double> head",
            "var h = x;\n for (int i = 0; i < 3; i++) h = h + Ops.Tanh(Ops.MatMul(h, w));\n return Ops.Sum({|GG0012:Ops.MatMul(h, head)|});") },
        { "both arms of a branch agree", Method("[Shape(\"B, 4\")] Tensor<double> x, [Shape(\"4, 4\")] Tensor<double> w, [Shape(\"5, 2\")] Tensor<double> head, bool deep",
            "var h = deep ? Ops.Tanh(Ops.MatMul(x, w)) : x;\n return Ops.Sum({|GG0012:Ops.MatMul(h, head)|});") },
        { "not a shape", "public static partial class C\n{\n    [Differentiable]\n    public static double F([{|GG0012:Shape(\"B, , C\")|}] Tensor<double> x) => Ops.Sum(x);\n}\n" },
        { "a weight member's shape", """
            public sealed class Layer
            {
                public Layer(Tensor<double> w) { W = w; }
                [Shape("16, 32")] public Tensor<double> W { get; }
            }

            public static partial class C
            {
                [Differentiable]
                public static double F([Shape("B, 32")] Tensor<double> x, Layer layer) => Ops.Sum({|GG0012:Ops.MatMul(x, layer.W)|});
            }
            """ },
        { "a weight type's symbols, in its own method", """
            public sealed partial class Block
            {
                public Block(Tensor<double> fc, Tensor<double> proj) { Fc = fc; Proj = proj; }
                [Shape("C, 4*C")] public Tensor<double> Fc { get; }
                [Shape("4*C, C")] public Tensor<double> Proj { get; }

                [Differentiable]
                public double F([Shape("B, C")] Tensor<double> x) => Ops.Sum(Ops.MatMul({|GG0012:Ops.MatMul(x, Proj)|}, Fc));
            }
            """ },
    };

    [Theory]
    [MemberData(nameof(Corpus))]
    public Task Each_shape_mistake_is_one_diagnostic_at_the_expression(string name, string source)
    {
        _ = name;
        return Verify.Analyzer(source);
    }

    /// <summary>The same programs with the shapes right, and what cannot be known: no diagnostic (so a backward is generated).</summary>
    public static TheoryData<string, string> Agreeing => new()
    {
        { "MLP", Method("[Shape(\"B, 784\")] Tensor<double> x, [Shape(\"784, 128\")] Tensor<double> w1, [Shape(\"128\")] Tensor<double> b1, [Shape(\"128, 10\")] Tensor<double> w2, [Shape(\"10\")] Tensor<double> b2, int[] targets",
            "var h = Ops.Relu(Ops.MatMul(x, w1) + b1);\n return Ops.SoftmaxCrossEntropy(Ops.MatMul(h, w2) + b2, targets);") },
        { "symbolic MLP block", Method("[Shape(\"B, T, C\")] Tensor<double> x, [Shape(\"C, 4*C\")] Tensor<double> fc, [Shape(\"4*C, C\")] Tensor<double> proj",
            "var h = Ops.Gelu(Ops.MatMul(x, fc));\n return Ops.Sum(Ops.MatMul(h, proj));") },
        { "attention", Method("[Shape(\"2, 4, 5, 8\")] Tensor<double> q, [Shape(\"2, 4, 5, 8\")] Tensor<double> k, [Shape(\"2, 4, 5, 8\")] Tensor<double> v",
            "var att = Ops.CausalSoftmax(Ops.MatMul(q, Ops.TransposeAxes(k, 2, 3)), 0.35);\n return Ops.Sum(Ops.MatMul(att, v));") },
        { "keep-dims with Ops", Method("[Shape(\"2, 8, 16\")] Tensor<double> x", "return Ops.Sum(Ops.Square(Ops.Subtract(x, Ops.Mean(x, -1, true))));") },
        { "the operator where it is right", Method("[Shape(\"2, 3\")] Tensor<double> x, [Shape(\"3\")] Tensor<double> b", "return Ops.Sum(x + b);") },
        { "symbols that may be equal", Method("[Shape(\"B, T\")] Tensor<double> x, [Shape(\"H, K\")] Tensor<double> w, [Shape(\"N\")] Tensor<double> b", "return Ops.Sum(Ops.MatMul(x, w) + b);") },
        { "a bare symbol may be 1", Method("[Shape(\"B, C\")] Tensor<double> x, [Shape(\"4*C\")] Tensor<double> b", "return Ops.Sum(Ops.Add(x, b));") },
        { "heads", Method("[Shape(\"2, 5, 12\")] Tensor<double> x", "var heads = Ops.Reshape(x, 2, 5, 3, 4);\n return Ops.Sum(Ops.TransposeAxes(heads, 1, 2));") },
        { "slices of qkv", Method("[Shape(\"2, 5, 48\")] Tensor<double> qkv, [Shape(\"16, 16\")] Tensor<double> w", "var q = Ops.Slice(qkv, 2, 32, 16);\n return Ops.Sum(Ops.MatMul(q, w));") },
        { "unknown shapes", Method("Tensor<double> x, Tensor<double> w", "return Ops.Sum(Ops.MatMul(x, w) - x);") },
        { "a block called with its sizes", """
            public static partial class C
            {
                [Differentiable]
                [return: Shape("B, T, C")]
                public static Tensor<double> Block([Shape("B, T, C")] Tensor<double> x, [Shape("C, C")] Tensor<double> w, int B, int T, int C) => Ops.Gelu(Ops.MatMul(x, w));

                [Differentiable]
                public static double F([Shape("B, T, C")] Tensor<double> x, [Shape("C, C")] Tensor<double> w, [Shape("C, 10")] Tensor<double> head, int B, int T, int C)
                {
                    var h = Block(x, w, B, T, C);
                    return Ops.Sum(Ops.MatMul(h + x, head));
                }
            }
            """ },
        { "a loop that changes the shape: unknown after it", Method("[Shape(\"6, 4\")] Tensor<double> x",
            "var h = x;\n for (int i = 0; i < 2; i++) h = Ops.Slice(h, 1, 0, 3);\n return Ops.Sum(Ops.Reshape(h, 9, 2));") },
        { "arms of different shapes: unknown after the branch", Method("[Shape(\"2, 4\")] Tensor<double> x, [Shape(\"4, 4\")] Tensor<double> w, [Shape(\"4, 3\")] Tensor<double> v, bool wide",
            "var h = wide ? Ops.MatMul(x, w) : Ops.MatMul(x, v);\n return Ops.Sum(Ops.MatMul(h, Ops.Transpose(h)));") },
        { "LayerNorm", Method("[Shape(\"B, T, C\")] Tensor<double> x, [Shape(\"C\")] Tensor<double> w, [Shape(\"C\")] Tensor<double> b", "return Ops.Sum(Ops.LayerNorm(x, w, b, 1e-5));") },
    };

    [Theory]
    [MemberData(nameof(Agreeing))]
    public Task Shapes_that_agree_or_cannot_be_known_are_silent(string name, string source)
    {
        _ = name;
        return Verify.Analyzer(source);
    }
}
