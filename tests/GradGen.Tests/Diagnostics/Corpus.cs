using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Runtime.CompilerServices;
using System.Text.RegularExpressions;
using GradGen.Tests.Generator;

namespace GradGen.Tests.Diagnostics;

/// <summary>Sources shared by the "no diagnostic" and the analyzer ⇔ generator agreement tests.</summary>
public static class Corpus
{
    /// <summary>Every rule-table case of <see cref="RuleGradientTests.Cases"/>, one type each (named after the case), plus their helpers.</summary>
    public static IEnumerable<(string Name, string Source)> RuleCases =>
        RuleGradientTests.Cases
            .Select(c => (c.Name, "public static partial class " + c.Name + "\n{\n    [Differentiable]\n    public static " + c.Method + "\n}\n"))
            .Append(("Helpers", RuleGradientTests.HelpersSource));

    /// <summary>Supported constructs the rule cases do not show: instance methods and calls on this, nested and generic types,
    /// structs and records, accessibility, conversions, constants, unary operators, [NoGradient], escaped names.</summary>
    public const string SupportedShapes = """
        namespace Supported
        {
            public partial class Layer
            {
                [Differentiable]
                public double Scale(double a, double b) => a * b;

                [Differentiable]
                public double Twice(double a, double b) => Scale(a, b) + this.Scale(b, a);
            }

            public static partial class Outer
            {
                public partial struct Inner
                {
                    [Differentiable]
                    public static float F(float a, [NoGradient] float b, int n) => a * b * n;
                }
            }

            public partial record Model(double Rate)
            {
                [Differentiable]
                public static double G(double a)
                {
                    var h = a * 2.0;
                    h = h * h;
                    h += a;
                    return h;
                }
            }

            public sealed partial class Dense
            {
                public Dense(Tensor<float> w) { W = w; }
                public Tensor<float> W { get; }
                public float Gain { get; set; } = 1;

                [Differentiable]
                public Tensor<float> Apply(Tensor<float> x) => Ops.MatMul(x, W) * Gain;
            }

            public sealed partial class Stack
            {
                public Stack(Dense[] layers) { Layers = layers; }
                public Dense[] Layers { get; }
                public float Temperature = 1;
                [NoGradient] public readonly float Eps = 1e-5f;

                [Differentiable]
                public float Loss([NoGradient] Tensor<float> x)
                {
                    var h = x;
                    foreach (var layer in Layers) h = layer.Apply(h);
                    return Ops.Sum(h) / (Temperature + Eps);
                }

                [Differentiable]
                public float Penalty() => this.Loss(Layers[0].W) * 0.5f + Temperature * Temperature;
            }

            public partial class Box<T>
            {
                [Differentiable]
                public static double F(double a) => a * a;
            }

            public static partial class Shapes
            {
                [Differentiable]
                public static double Widen(float a) => (double)a * a;

                [Differentiable]
                internal static float Narrow(double a) => (float)a;

                [Differentiable]
                public static double Constants(double a) => Math.PI * a + 1e-3 - 2f;

                [Differentiable]
                public static Tensor<float> TensorOps(Tensor<float> x, Tensor<float> w, float s) => Ops.Sigmoid(Ops.MatMul(x, w)) * s - x / 2f;

                [Differentiable]
                public static double Parenthesized(double a) => ((a + 1) * (a - 1));

                [Differentiable]
                public static double Unary(double a) => +a - -a;

                [Differentiable]
                public static double BlockBody(double a)
                {
                    return a;
                }

                [Differentiable]
                public static double Masked(Tensor<double> x, [NoGradient] Tensor<double> mask) => Ops.Sum(x * mask);

                [Differentiable]
                private static double Escaped(double @double) => @double * 3;

                [Differentiable]
                public static double NormWithPassiveEps(Tensor<double> x, Tensor<double> w, Tensor<double> b, [NoGradient] double k, int n) =>
                    Ops.Sum(Ops.LayerNorm(x, w, b, k * 1e-5 / n)) + Ops.Sum(Ops.CausalSoftmax(Ops.MatMul(x, Ops.Transpose(x)), 1.0 / Math.Sqrt(x.Lengths[1])));

                [Differentiable]
                public static double EarlyReturn(Tensor<double> x, double s)
                {
                    if (x.Lengths[0] == 0) return 0;
                    if (s > 1)
                    {
                        if (s > 2) return s * s;
                    }
                    else
                    {
                        return -s;
                    }
                    return Ops.Sum(x) * s;
                }
            }
        }
        """;

    /// <summary>The samples' sources that hold [Differentiable] methods (they compile on their own).</summary>
    public static IEnumerable<(string Name, string Source)> Samples
    {
        get
        {
            var samples = Path.Combine(RepositoryRoot(), "samples");
            if (!Directory.Exists(samples)) yield break;
            foreach (var file in Directory.EnumerateFiles(samples, "*.cs", SearchOption.AllDirectories).OrderBy(f => f, StringComparer.Ordinal))
            {
                if (file.Contains(Path.DirectorySeparatorChar + "obj" + Path.DirectorySeparatorChar) || file.Contains(Path.DirectorySeparatorChar + "bin" + Path.DirectorySeparatorChar)) continue;
                var text = File.ReadAllText(file);
                if (text.Contains("[Differentiable]") && !text.Contains("static void Main") && !text.Contains("Console.")) yield return (Path.GetFileName(file), text);
            }
        }
    }

    private static readonly Regex Markup = new(@"\{\|[^:|]*:|\|\}", RegexOptions.Compiled);

    /// <summary>A testing-library markup source as plain C#.</summary>
    public static string StripMarkup(string source) => Markup.Replace(source, "");

    private static string RepositoryRoot([CallerFilePath] string path = "") => Path.GetFullPath(Path.Combine(Path.GetDirectoryName(path)!, "..", "..", ".."));
}
