using System.IO;
using System.Runtime.CompilerServices;
using System.Text.RegularExpressions;

namespace GradGen.Tests.Samples;

/// <summary>The model source of samples/GradGen.Samples.TinyGpt (TinyGpt.cs and Gpt.Init.cs), as written and as a double twin.</summary>
public static class TinyGptSource
{
    private static string Folder([CallerFilePath] string here = "") =>
        Path.GetFullPath(Path.Combine(Path.GetDirectoryName(here)!, "..", "..", "..", "samples", "GradGen.Samples.TinyGpt"));

    /// <summary>TinyGpt.cs: the weight classes and the [Differentiable] forward pass.</summary>
    public static string Model => File.ReadAllText(Path.Combine(Folder(), "TinyGpt.cs"));

    /// <summary>Gpt.Init.cs: GPT-2's initialisation.</summary>
    public static string Initialisation => File.ReadAllText(Path.Combine(Folder(), "Gpt.Init.cs"));

    /// <summary>
    /// The same source in double: <c>float</c> → <c>double</c>, <c>MathF</c> → <c>Math</c>, float literals (<c>1e-5f</c>) →
    /// double literals, in another namespace. [Differentiable] methods cannot be generic, so the twin is made textually.
    /// </summary>
    public static string InDouble(string source)
    {
        source = Regex.Replace(source, @"\bfloat\b", "double");
        source = Regex.Replace(source, @"\bMathF\b", "Math");
        source = Regex.Replace(source, @"\b(\d+(?:\.\d+)?(?:[eE][-+]?\d+)?)[fF]\b", "$1");
        return source.Replace("namespace GradGen.Samples.TinyGpt;", "namespace GradGen.Samples.TinyGpt.InDouble;", System.StringComparison.Ordinal);
    }
}
