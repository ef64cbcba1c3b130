using System;
using System.Collections.Generic;
using System.Collections.Immutable;
using System.IO;
using System.Linq;
using System.Runtime.CompilerServices;
using System.Text.RegularExpressions;
using System.Threading.Tasks;
using GradGen.Generators.Diagnostics;
using GradGen.Tests.Infrastructure;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Diagnostics;

namespace GradGen.Tests.Diagnostics;

/// <summary>
/// The catalogue in <c>docs/diagnostics</c> stays true: one page per ID, listed in the README with its severity and title,
/// the help link points at it, and each page's "wrong" example raises its ID while its "fixed" example raises no GG error.
/// </summary>
public class DocsTests
{
    private static readonly ImmutableArray<DiagnosticDescriptor> Descriptors = new DifferentiableAnalyzer().SupportedDiagnostics;

    private static string DocsDirectory([CallerFilePath] string path = "") =>
        Path.GetFullPath(Path.Combine(Path.GetDirectoryName(path)!, "..", "..", "..", "docs", "diagnostics"));

    public static IEnumerable<object[]> Ids => Descriptors.Select(d => new object[] { d.Id });

    [Theory]
    [MemberData(nameof(Ids))]
    public void Every_ID_has_its_page_and_catalogue_row(string id)
    {
        var descriptor = Descriptors.Single(d => d.Id == id);
        Assert.True(File.Exists(Path.Combine(DocsDirectory(), id + ".md")), id + ".md is missing");
        Assert.EndsWith("docs/diagnostics/" + id + ".md", descriptor.HelpLinkUri, StringComparison.Ordinal);
        var page = File.ReadAllText(Path.Combine(DocsDirectory(), id + ".md"));
        Assert.StartsWith("# " + id + ": " + descriptor.Title, page, StringComparison.Ordinal);
        Assert.Contains("## Suppressing", page, StringComparison.Ordinal);

        var row = File.ReadAllLines(Path.Combine(DocsDirectory(), "README.md")).SingleOrDefault(l => l.StartsWith("| [" + id + "](" + id + ".md) |", StringComparison.Ordinal));
        Assert.True(row is not null, "README.md has no row for " + id);
        Assert.Contains("| " + descriptor.DefaultSeverity, row, StringComparison.Ordinal);
        Assert.Contains("| " + descriptor.Title + " |", row, StringComparison.Ordinal);
    }

    [Theory]
    [MemberData(nameof(Ids))]
    public async Task Page_examples_raise_the_ID_and_their_fix_does_not(string id)
    {
        var page = File.ReadAllText(Path.Combine(DocsDirectory(), id + ".md"));
        var wrong = FirstBlockAfter(page, "## Wrong", "## Before");
        var fixedCode = FirstBlockAfter(page, "## Fixed", "## After");

        var wrongIds = await AnalyzerIds(wrong);
        Assert.True(wrongIds.Contains(id), id + "'s wrong example raises " + string.Join(", ", wrongIds) + " instead:\n" + wrong);
        var fixedIds = await AnalyzerIds(fixedCode);
        Assert.True(!fixedIds.Contains(id) && !fixedIds.Any(i => i != "GG0010"), id + "'s fixed example raises " + string.Join(", ", fixedIds) + ":\n" + fixedCode);
    }

    // ── every C# block of the README and the diagnostics pages (docs/tutorial.md: TutorialDocTests) ────────────────

    private static string Root([CallerFilePath] string path = "") => Path.GetFullPath(Path.Combine(Path.GetDirectoryName(path)!, "..", "..", ".."));

    public static IEnumerable<object[]> Pages => new[] { "README.md" }
        .Concat(Directory.GetFiles(DocsDirectory(), "*.md").Select(f => "docs/diagnostics/" + Path.GetFileName(f)).OrderBy(f => f, StringComparer.Ordinal))
        .Select(page => new object[] { page });

    private sealed record Block(string Marker, string Code, int Line, string? Section);

    /// <summary>The csharp blocks of a page: the marker line above each, its code (dedented like its fence), and the section it opens first.</summary>
    private static List<Block> Blocks(string text)
    {
        var lines = text.Replace("\r\n", "\n", StringComparison.Ordinal).Split('\n');
        var blocks = new List<Block>();
        string? section = null;
        for (var i = 0; i < lines.Length; i++)
        {
            if (lines[i].StartsWith("## ", StringComparison.Ordinal)) section = lines[i];
            if (lines[i].Trim() != "```csharp") continue;
            var indent = lines[i].Length - lines[i].TrimStart().Length;
            var end = Array.FindIndex(lines, i + 1, l => l.Trim() == "```");
            Assert.True(end > i, $"line {i + 1}: unclosed code block");
            var code = string.Join("\n", lines[(i + 1)..end].Select(l => l.Length >= indent && l[..indent].Trim().Length == 0 ? l[indent..] : l.TrimStart()));
            blocks.Add(new Block(i > 0 ? lines[i - 1].Trim() : "", code, i + 1, section));
            section = null; // only the first block of a section is "its" example
            i = end;
        }
        return blocks;
    }

    /// <summary>
    /// Every csharp block of the README and of each diagnostics page is checked, as the line above it says:
    /// <c>&lt;!-- compiles --&gt;</c> (members, types and statements; with <c>&lt;!-- compiles with: parameters --&gt;</c> the
    /// statements run in a method taking them; a page's such blocks compile together) with no GG error or warning,
    /// <c>&lt;!-- refused: GG0004 --&gt;</c> raises that ID, and <c>&lt;!-- generated: Mlp.Loss --&gt;</c> is an excerpt of the code
    /// GradGen generates for that method of the page's compiled blocks (a line <c>...</c> skips lines, <c>...</c> in a line
    /// stands for any text, a trailing <c>// comment</c> may be added, <c>global::System.Numerics.Tensors.</c> may be left
    /// out). A diagnostics page's first block under "Wrong" and "Fixed" is <see cref="Page_examples_raise_the_ID_and_their_fix_does_not"/>'s.
    /// </summary>
    [Theory]
    [MemberData(nameof(Pages))]
    public async Task Every_csharp_block_compiles_or_is_refused_as_marked(string page)
    {
        var blocks = Blocks(File.ReadAllText(Path.Combine(Root(), page)));
        var compiled = new List<string>();
        var generated = new List<(Block Block, string Method)>();
        foreach (var block in blocks)
        {
            var where = page + " line " + block.Line;
            if (Regex.Match(block.Marker, @"^<!-- refused: (GG\d{4}) -->$") is { Success: true } refused)
            {
                var ids = await AnalyzerIds(Source(block.Code, null, 0));
                Assert.True(ids.Contains(refused.Groups[1].Value), where + ": marked refused with " + refused.Groups[1].Value + " but raises " + string.Join(", ", ids));
            }
            else if (Regex.Match(block.Marker, @"^<!-- compiles(?: with: (.*))? -->$") is { Success: true } compiles)
            {
                compiled.Add(Source(block.Code, compiles.Groups[1].Success ? compiles.Groups[1].Value : null, compiled.Count));
            }
            else if (Regex.Match(block.Marker, @"^<!-- generated: (\S+) -->$") is { Success: true } excerpt)
            {
                generated.Add((block, excerpt.Groups[1].Value));
            }
            else
            {
                var covered = page.StartsWith("docs/diagnostics/GG", StringComparison.Ordinal) && block.Section is { } s
                    && (s.StartsWith("## Wrong", StringComparison.Ordinal) || s.StartsWith("## Before", StringComparison.Ordinal) || s.StartsWith("## Fixed", StringComparison.Ordinal) || s.StartsWith("## After", StringComparison.Ordinal));
                Assert.True(covered, where + ": a csharp block without '<!-- compiles -->', '<!-- compiles with: … -->', '<!-- refused: GGxxxx -->' or '<!-- generated: Type.Method -->' above it");
            }
        }
        if (compiled.Count == 0)
        {
            Assert.Empty(generated);
            return;
        }
        // With the generated code: a block calls the generated members of another (Mlp.LossBackward).
        var compilation = Harness.Compilation(compiled.ToArray());
        var output = Harness.Run(compilation).Output;
        var errors = output.GetDiagnostics().Where(d => d.Severity == DiagnosticSeverity.Error).ToList();
        Assert.True(errors.Count == 0, page + ": the blocks marked '<!-- compiles -->' do not compile: " + string.Join("; ", errors.Take(10)) + "\n" + string.Join("\n", compiled));
        var diagnostics = await compilation.WithAnalyzers(ImmutableArray.Create<DiagnosticAnalyzer>(new DifferentiableAnalyzer())).GetAnalyzerDiagnosticsAsync();
        var gg = diagnostics.Where(d => d.Id.StartsWith("GG", StringComparison.Ordinal) && d.Severity >= DiagnosticSeverity.Warning).ToList();
        Assert.True(gg.Count == 0, page + ": a block marked '<!-- compiles -->' gets " + string.Join("; ", gg));
        if (generated.Count == 0) return;
        foreach (var (block, method) in generated)
        {
            var file = output.SyntaxTrees.FirstOrDefault(t => t.FilePath.EndsWith(method + ".g.cs", StringComparison.Ordinal));
            Assert.True(file is not null, page + " line " + block.Line + ": nothing generated for " + method);
            Assert.True(IsExcerpt(file!.ToString(), block.Code.Split('\n')), page + " line " + block.Line + ": the block is not an excerpt of the code generated for " + method + ":\n" + file);
        }
    }

    /// <summary>A block as a source file: its usings, its types, its top-level members in a partial class, its statements in a method.</summary>
    private static string Source(string code, string? parameters, int index)
    {
        var root = ((Microsoft.CodeAnalysis.CSharp.CSharpSyntaxTree)Microsoft.CodeAnalysis.CSharp.CSharpSyntaxTree.ParseText(code, Harness.ParseOptions)).GetCompilationUnitRoot();
        var source = new System.Text.StringBuilder(Harness.Usings);
        foreach (var @using in root.Usings.Where(u => !Harness.Usings.Contains(u.ToString(), StringComparison.Ordinal))) source.Append(@using.ToFullString().Trim()).Append('\n');
        // A method or field written at the top level with an access modifier parses as a local function or local: a member.
        static bool IsMember(Microsoft.CodeAnalysis.CSharp.Syntax.GlobalStatementSyntax global) => global.Statement switch
        {
            Microsoft.CodeAnalysis.CSharp.Syntax.LocalFunctionStatementSyntax f => f.Modifiers.Any(m => m.Text is "public" or "private" or "internal" or "protected"),
            Microsoft.CodeAnalysis.CSharp.Syntax.LocalDeclarationStatementSyntax d => d.Modifiers.Any(m => m.Text is "public" or "private" or "internal" or "protected"),
            _ => false,
        };
        var statements = root.Members.OfType<Microsoft.CodeAnalysis.CSharp.Syntax.GlobalStatementSyntax>().Where(g => !IsMember(g)).ToList();
        var types = root.Members.Where(m => m is Microsoft.CodeAnalysis.CSharp.Syntax.BaseTypeDeclarationSyntax or Microsoft.CodeAnalysis.CSharp.Syntax.BaseNamespaceDeclarationSyntax or Microsoft.CodeAnalysis.CSharp.Syntax.DelegateDeclarationSyntax).ToList();
        var members = root.Members.Except(statements).Except(types).ToList();
        foreach (var type in types) source.Append(type.ToFullString()).Append('\n');
        if (members.Count > 0) source.Append("public static partial class DocMembers" + index + "\n{\n").Append(string.Concat(members.Select(m => m.ToFullString()))).Append("\n}\n");
        if (statements.Count > 0)
        {
            source.Append("public static class DocStatements" + index + "\n{\n    public static void Run(" + parameters + ")\n    {\n")
                .Append(string.Concat(statements.Select(g => g.ToFullString()))).Append("\n    }\n}\n");
        }
        return source.ToString();
    }

    /// <summary>Whether the block's lines match lines of the file in order, as <see cref="Every_csharp_block_compiles_or_is_refused_as_marked"/> describes.</summary>
    private static bool IsExcerpt(string file, string[] block)
    {
        var lines = file.Replace("\r\n", "\n", StringComparison.Ordinal).Split('\n').Select(l => l.Trim().Replace("global::System.Numerics.Tensors.", "", StringComparison.Ordinal)).ToArray();
        var at = 0;
        var gap = true;
        foreach (var raw in block.Select(l => l.Trim()))
        {
            if (raw.Length == 0 || raw is "..." or "…")
            {
                gap = true;
                continue;
            }
            var patterns = new List<string> { raw };
            var comment = raw.IndexOf("  //", StringComparison.Ordinal);
            if (comment > 0) patterns.Add(raw[..comment].TrimEnd());
            var regexes = patterns.Select(p => new Regex("^" + Regex.Escape(p).Replace(@"\.\.\.", ".*", StringComparison.Ordinal).Replace("…", ".*", StringComparison.Ordinal) + "$")).ToList();
            var found = -1;
            for (var k = at; k < lines.Length && (gap || k == at); k++)
            {
                if (regexes.Any(r => r.IsMatch(lines[k]))) { found = k; break; }
            }
            if (found < 0) return false;
            at = found + 1;
            gap = false;
        }
        return true;
    }

    [Fact]
    public void The_excerpt_check_allows_elisions_only_where_marked()
    {
        var file = "class C\n{\n    void F(global::System.Numerics.Tensors.Tensor<float> x, int n)\n    {\n        var a = 1;\n        var b = 2;\n        var c = 3;\n    }\n}\n";
        Assert.True(IsExcerpt(file, ["void F(Tensor<float> x, ...)", "{", "var a = 1;  // one", "...", "var c = 3;"]));
        Assert.False(IsExcerpt(file, ["var a = 1;", "var c = 3;"]));
        Assert.False(IsExcerpt(file, ["var b = 2;", "...", "var a = 1;"]));
        Assert.False(IsExcerpt(file, ["var a = 2;"]));
    }

    private static string FirstBlockAfter(string page, params string[] headings)
    {
        var start = headings.Select(h => page.IndexOf(h, StringComparison.Ordinal)).Where(i => i >= 0).DefaultIfEmpty(-1).First();
        Assert.True(start >= 0, "no section " + string.Join(" or ", headings));
        var match = Regex.Match(page.Substring(start), "```csharp\n(.*?)```", RegexOptions.Singleline);
        Assert.True(match.Success, "no csharp block after " + headings[0]);
        return match.Groups[1].Value;
    }

    /// <summary>The GG IDs the analyzer raises on a snippet (members only are wrapped in a partial class); it must compile.</summary>
    private static async Task<List<string>> AnalyzerIds(string snippet)
    {
        var source = Regex.IsMatch(snippet, @"\b(class|struct|record)\s+\w+") ? snippet : "public static partial class Doc\n{\n" + snippet + "\n}\n";
        var compilation = Harness.Compilation(Harness.Usings + source);
        var errors = compilation.GetDiagnostics().Where(d => d.Severity == DiagnosticSeverity.Error).ToList();
        Assert.True(errors.Count == 0, "the example does not compile: " + string.Join("; ", errors) + "\n" + snippet);
        var diagnostics = await compilation.WithAnalyzers(ImmutableArray.Create<DiagnosticAnalyzer>(new DifferentiableAnalyzer())).GetAnalyzerDiagnosticsAsync();
        return diagnostics.Select(d => d.Id).Distinct().OrderBy(i => i, StringComparer.Ordinal).ToList();
    }
}
