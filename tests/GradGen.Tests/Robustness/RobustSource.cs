using System;
using System.Collections.Generic;
using System.Linq;

namespace GradGen.Tests.Robustness;

/// <summary>
/// One input of the robustness suite: one or more files that belong together (a "source"). Sources are batched many to
/// a compilation, so each one lives in its own namespace wherever it has one (see <see cref="Namespaced"/>); every check
/// (an error explains a missing backward, generated code compiles, …) looks only at the source's own files.
/// </summary>
public sealed record RobustSource(string Category, string Name, IReadOnlyList<string> Files)
{
    public RobustSource(string category, string name, string text) : this(category, name, new[] { text }) { }

    /// <summary>The paths of the files in the compilation: unique across a batch and readable in failure messages.</summary>
    public IEnumerable<string> Paths => Files.Select((_, i) => Category + "/" + Name + (Files.Count > 1 ? "." + i : "") + ".cs");

    /// <summary>Needs a compilation of its own (top-level statements, a global-namespace type a batch would share, …).</summary>
    public bool Alone { get; init; }

    /// <summary>References besides the framework and GradGen (another project's compilation or assembly); only for <see cref="Alone"/> sources.</summary>
    public IReadOnlyList<Microsoft.CodeAnalysis.MetadataReference> ExtraReferences { get; init; } = Array.Empty<Microsoft.CodeAnalysis.MetadataReference>();

    /// <summary>Its files already parsed (with <see cref="Paths"/>); otherwise the check parses them on its own thread.</summary>
    public IReadOnlyList<Microsoft.CodeAnalysis.SyntaxTree>? Parsed { get; init; }

    /// <summary>
    /// The namespace prefix unique to this source (see <see cref="Namespaced"/>), or null. A source whose files declare
    /// anything outside it (a mutant that lost its namespace, a global using, …) is checked in a compilation of its own,
    /// so that it cannot change what the names in other sources bind to.
    /// </summary>
    public string? Prefix { get; init; }

    public override string ToString() => Category + "/" + Name;

    public string Show(int maxChars = 1500)
    {
        var text = string.Join("\n// ---- next file ----\n", Files);
        return text.Length <= maxChars ? text : text.Substring(0, maxChars) + "\n… (" + (text.Length - maxChars) + " more characters)";
    }

    /// <summary>
    /// Gives every namespace the source declares a prefix unique to it, so that sources in one batch never share a type.
    /// The prefix comes first (<c>Rb12.Samples.Mlp</c>), never after a name the source also uses for lookup.
    /// </summary>
    public static string Namespaced(string text, string prefix) =>
        System.Text.RegularExpressions.Regex.Replace(text, @"(?m)^(\s*)namespace\s+(?:GradGen\.)?", "$1namespace " + prefix + ".");

    /// <summary>A source whose files get the namespace prefix <paramref name="prefix"/>.</summary>
    public static RobustSource InNamespace(string category, string name, string prefix, params string[] files) =>
        new(category, name, files.Select(f => Namespaced(f, prefix)).ToArray()) { Prefix = prefix };

    /// <summary>A file name part made of the characters a path and a hint name allow.</summary>
    public static string Sanitize(string name) => new(name.Select(c => char.IsLetterOrDigit(c) || c is '_' or '-' or '.' ? c : '_').ToArray());
}
