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
