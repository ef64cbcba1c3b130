using System;
using System.Collections.Immutable;
using System.IO;
using System.Linq;
using System.Text;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.Text;

namespace GradGen.Benchmarks;

/// <summary>
/// A project of <c>count</c> <c>[Differentiable]</c> methods written like the samples, ten to a file (or as many as asked): MLP losses on
/// tensors (ReLU, softmax-cross-entropy), losses over a weight object with a <c>foreach</c> over its layers, an RNN-like
/// loss whose <c>for</c> loop calls a <c>[Differentiable]</c> cell, and a transformer feed-forward block (LayerNorm,
/// GELU, residual). Every model file also holds one plain method (<c>Twice</c>), and <c>Util.cs</c> has no
/// <c>[Differentiable]</c> method at all. The project references the shared framework, System.Numerics.Tensors and GradGen,
/// as an application would.
/// </summary>
internal sealed class SyntheticProject
{
    /// <summary>The text in the first method's body that the one-method edit toggles (same length both ways).</summary>
    public const string BodyEditFrom = "Ops.Relu(", BodyEditTo = "Ops.Tanh(";

    /// <summary>The text in a plain method that the unrelated edits toggle.</summary>
    public const string PlainEditFrom = "2 * x", PlainEditTo = "x + x";

    private static readonly Lazy<ImmutableArray<MetadataReference>> LazyReferences = new(() =>
    {
        var framework = Path.GetDirectoryName(typeof(object).Assembly.Location)!;
        return Directory.GetFiles(framework, "*.dll")
            .Where(IsManaged)
            .Append(typeof(System.Numerics.Tensors.Tensor).Assembly.Location)
            .Append(typeof(GradGen.Ops).Assembly.Location)
            .Distinct()
            .Select(p => (MetadataReference)MetadataReference.CreateFromFile(p))
            .ToImmutableArray();
    });

    /// <summary>C# preview, as the generator's tests parse.</summary>
    public static readonly CSharpParseOptions ParseOptions = new(LanguageVersion.Preview);

    public SyntheticProject(int count, int perFile = 10)
    {
        Count = count;
        var files = Enumerable.Range(0, (count + perFile - 1) / perFile)
            .Select(f => CSharpSyntaxTree.ParseText(ModelFile(f, Math.Min(perFile, count - perFile * f)), ParseOptions, $"Models/Net{f}.cs", Encoding.UTF8))
            .Append(CSharpSyntaxTree.ParseText(UtilSource, ParseOptions, "Util.cs", Encoding.UTF8));
        Trees = files.ToImmutableArray();
    }

    /// <summary>The number of [Differentiable] methods.</summary>
    public int Count { get; }

    /// <summary>The parsed files: the model files, then Util.cs.</summary>
    public ImmutableArray<SyntaxTree> Trees { get; }

    /// <summary>The first model file (it holds the method the one-method edit changes).</summary>
    public SyntaxTree FirstModelFile => Trees[0];

    /// <summary>Util.cs.</summary>
    public SyntaxTree Util => Trees[^1];

    /// <summary>
    /// A new compilation of the parsed files (nothing bound yet, as at the start of a build). A new
    /// <paramref name="assemblyName"/> is a project GradGen has not seen: nothing lowered earlier is reused.
    /// </summary>
    public CSharpCompilation Compilation(string? assemblyName = null) => CSharpCompilation.Create(
        assemblyName ?? "Synthetic" + Count, Trees, LazyReferences.Value,
        new CSharpCompilationOptions(OutputKind.DynamicallyLinkedLibrary, nullableContextOptions: NullableContextOptions.Enable, optimizationLevel: OptimizationLevel.Release));

    /// <summary>
    /// <paramref name="tree"/> with the text at <paramref name="at"/> switched between <paramref name="a"/> and
    /// <paramref name="b"/> (of the same length), re-parsed incrementally from the text change, as an editor does.
    /// </summary>
    public static SyntaxTree Toggle(SyntaxTree tree, int at, string a, string b)
    {
        var text = tree.GetText();
        var span = new TextSpan(at, a.Length);
        var replacement = text.ToString(span) == a ? b : a;
        return tree.WithChangedText(text.WithChanges(new TextChange(span, replacement)));
    }

    private static bool IsManaged(string path)
    {
        try { System.Reflection.AssemblyName.GetAssemblyName(path); return true; }
        catch (BadImageFormatException) { return false; }
    }

    private const string UtilSource = """
        namespace Synthetic;

        public static class Util
        {
            public static int Twice(int x) => 2 * x;

            public static string Describe(int[] shape) => "[" + string.Join(", ", shape) + "]";
        }
        """;

    /// <summary>File f: a weight-object type, then a class with <paramref name="methods"/> [Differentiable] methods and one plain one.</summary>
    private static string ModelFile(int f, int methods)
    {
        var text = new StringBuilder();
        text.Append($$"""
            using System;
            using System.Numerics.Tensors;
            using GradGen;

            namespace Synthetic.Net{{f}};

            /// <summary>One fully connected layer.</summary>
            public sealed record Dense(Tensor<float> W, Tensor<float> B);

            /// <summary>Hidden layers and an output layer.</summary>
            public sealed record Model(Dense[] Hidden, Dense Output);

            public static partial class Net
            {
                public static int Twice(int x) => 2 * x;

            """);
        for (int j = 0; j < methods; j++) text.Append(Method(j)).Append('\n');
        text.Append("}\n");
        return text.ToString();
    }

    /// <summary>Method j of a file: the kinds in a fixed rotation of ten (j = 2 and 6 are cells that j = 3 and 7 call).</summary>
    private static string Method(int j) => (j % 10) switch
    {
        0 or 4 or 8 => $$"""
                [Differentiable]
                public static float Mlp{{j}}([NoGradient] Tensor<float> x, Tensor<float> w1, Tensor<float> b1, Tensor<float> w2, Tensor<float> b2, int[] targets)
                {
                    var h = Ops.Relu(Ops.MatMul(x, w1) + b1);
                    var logits = Ops.MatMul(h, w2) + b2;
                    return Ops.SoftmaxCrossEntropy(logits, targets);
                }

            """,
        1 or 5 => $$"""
                [Differentiable]
                public static float Deep{{j}}(Model model, [NoGradient] Tensor<float> x, int[] targets)
                {
                    var h = x;
                    foreach (var layer in model.Hidden)
                    {
                        h = Ops.Relu(Ops.MatMul(h, layer.W) + layer.B);
                    }
                    var logits = Ops.MatMul(h, model.Output.W) + model.Output.B;
                    return Ops.SoftmaxCrossEntropy(logits, targets);
                }

            """,
        2 or 6 => $$"""
                [Differentiable]
                public static Tensor<float> Cell{{j}}(Tensor<float> h, Tensor<float> x, Tensor<float> w, Tensor<float> b)
                    => Ops.Tanh(x + Ops.MatMul(h, w) + b);

            """,
        3 or 7 => $$"""
                [Differentiable]
                public static float Rnn{{j}}(Tensor<float> h0, Tensor<float> w, Tensor<float> b, Tensor<float> wo, [NoGradient] Tensor<float> xs, [NoGradient] Tensor<float> targets, int steps)
                {
                    var h = h0;
                    var loss = 0f;
                    for (int t = 0; t < steps; t++)
                    {
                        h = Cell{{j - 1}}(h, Ops.Slice(xs, 0, t, 1), w, b);
                        var logits = Ops.MatMul(h, wo);
                        loss = loss - Ops.Sum(Ops.LogSoftmax(logits, 2) * Ops.Slice(targets, 0, t, 1));
                    }
                    return loss;
                }

            """,
        _ => $$"""
                [Differentiable]
                public static float Ffn{{j}}(Tensor<float> x, Tensor<float> g, Tensor<float> beta, Tensor<float> w1, Tensor<float> b1, Tensor<float> w2, Tensor<float> b2, int[] targets)
                {
                    var h = Ops.LayerNorm(x, g, beta, 1e-5f);
                    var f = Ops.Gelu(Ops.MatMul(h, w1) + b1);
                    var y = x + Ops.MatMul(f, w2) + b2;
                    return Ops.SoftmaxCrossEntropy(y, targets);
                }

            """,
    };
}
