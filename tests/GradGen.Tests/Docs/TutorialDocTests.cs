using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Runtime.CompilerServices;
using System.Text.RegularExpressions;

namespace GradGen.Tests.Docs;

/// <summary>
/// docs/tutorial.md shows the generated code as it is: every <c>csharp</c> block is preceded by
/// <c>&lt;!-- snapshot: Name --&gt;</c> (an excerpt of Generator/Snapshots/Name.verified.cs) or
/// <c>&lt;!-- source: path --&gt;</c> (an excerpt of a file of the repository), and its lines, indentation aside, must
/// appear one after another in that file. A change of the generated code that the tutorial quotes fails here.
/// </summary>
public class TutorialDocTests
{
    private static string Root([CallerFilePath] string here = "") => Path.GetFullPath(Path.Combine(Path.GetDirectoryName(here)!, "..", "..", ".."));

    public sealed record Excerpt(string Kind, string Target, string[] Lines, int Line)
    {
        public override string ToString() => $"line {Line}: {Kind} {Target}";
    }

    /// <summary>The fenced csharp blocks of the tutorial with the marker above each (null kind when there is none).</summary>
    public static IReadOnlyList<Excerpt> Excerpts(string text)
    {
        var lines = text.Replace("\r\n", "\n", StringComparison.Ordinal).Split('\n');
        var excerpts = new List<Excerpt>();
        for (var i = 0; i < lines.Length; i++)
        {
            if (lines[i].Trim() != "```csharp") continue;
            var end = Array.FindIndex(lines, i + 1, l => l.Trim() == "```");
            Assert.True(end > i, $"docs/tutorial.md line {i + 1}: unclosed code block");
            var marker = i > 0 ? Regex.Match(lines[i - 1], @"^<!-- (snapshot|source): (\S+) -->$") : Match.Empty;
            excerpts.Add(new Excerpt(marker.Success ? marker.Groups[1].Value : "", marker.Success ? marker.Groups[2].Value : "", lines[(i + 1)..end], i + 1));
            i = end;
        }
        return excerpts;
    }

    /// <summary>Whether <paramref name="excerpt"/>'s lines, trimmed, are consecutive lines of <paramref name="file"/>, trimmed.</summary>
    public static bool Contains(string file, string[] excerpt)
    {
        var lines = file.Replace("\r\n", "\n", StringComparison.Ordinal).Split('\n').Select(l => l.Trim()).ToArray();
        var wanted = excerpt.Select(l => l.Trim()).ToArray();
        if (wanted.Length == 0) return false;
        for (var start = 0; start + wanted.Length <= lines.Length; start++)
        {
            if (lines.AsSpan(start, wanted.Length).SequenceEqual(wanted)) return true;
        }
        return false;
    }

    private static string FileOf(Excerpt excerpt) => excerpt.Kind == "snapshot"
        ? Path.Combine(Root(), "tests", "GradGen.Tests", "Generator", "Snapshots", excerpt.Target + ".verified.cs")
        : Path.Combine(Root(), excerpt.Target);

    [Fact]
    public void Every_code_block_of_the_tutorial_is_an_excerpt_of_a_snapshot_or_a_source()
    {
        var excerpts = Excerpts(File.ReadAllText(Path.Combine(Root(), "docs", "tutorial.md")));
        Assert.True(excerpts.Count(e => e.Kind == "snapshot") >= 12, "the tutorial quotes the generated code of every step");
        foreach (var excerpt in excerpts)
        {
            Assert.True(excerpt.Kind.Length > 0, $"docs/tutorial.md {excerpt}: a csharp block without a '<!-- snapshot: Name -->' or '<!-- source: path -->' line above it");
            var file = FileOf(excerpt);
            Assert.True(File.Exists(file), $"docs/tutorial.md {excerpt}: {file} does not exist");
            Assert.True(Contains(File.ReadAllText(file), excerpt.Lines), $"docs/tutorial.md {excerpt}: the block is no longer in {file} (the generated code or the sample changed: update the tutorial)");
        }
        // Every step of the lesson quotes the generator: the seed rules, the MLP, the GPT's block, model and loss, and a model's own method.
        var quoted = excerpts.Where(e => e.Kind == "snapshot").Select(e => e.Target).ToHashSet();
        // (xunit's Superset takes the expected subset first: the quoted snapshots must include every step's.)
        Assert.Superset(new HashSet<string> { "Seed.Relu", "Seed.Residual", "Seed.Square", "Seed.Linear", "Seed.CrossEntropy", "Mlp.Loss", "TinyGpt.Block", "TinyGpt.Logits", "TinyGpt.Loss", "Instance.ResidualMlp.Loss" }, quoted);
    }

    [Fact]
    public void The_excerpt_check_fails_on_a_changed_or_reordered_line()
    {
        var file = "class C\n{\n    var a = 1;\n    var b = 2;\n}\n";
        Assert.True(Contains(file, ["var a = 1;", "  var b = 2;"]));
        Assert.False(Contains(file, ["var a = 1;", "var b = 3;"]));
        Assert.False(Contains(file, ["var b = 2;", "var a = 1;"]));
        Assert.False(Contains(file, []));
        var excerpts = Excerpts("text\n<!-- snapshot: Seed.Relu -->\n```csharp\nx\n```\n```csharp\ny\n```\n");
        Assert.Equal(["snapshot", ""], excerpts.Select(e => e.Kind));
        Assert.Equal("Seed.Relu", excerpts[0].Target);
    }
}
