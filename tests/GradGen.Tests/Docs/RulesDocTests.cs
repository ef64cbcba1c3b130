using System;
using System.IO;
using System.Linq;
using System.Runtime.CompilerServices;
using System.Text;
using GradGen.Generators.Differentiation;

namespace GradGen.Tests.Docs;

/// <summary>docs/rules.md shows the rule table the generator really uses: the table between its markers is built from it.</summary>
public class RulesDocTests
{
    private const string Begin = "<!-- BEGIN GENERATED RULE TABLE (tests/GradGen.Tests/Docs/RulesDocTests.cs; GRADGEN_ACCEPT=1 dotnet test rewrites it) -->";
    private const string End = "<!-- END GENERATED RULE TABLE -->";

    private static string Path([CallerFilePath] string here = "") =>
        System.IO.Path.GetFullPath(System.IO.Path.Combine(System.IO.Path.GetDirectoryName(here)!, "..", "..", "..", "docs", "rules.md"));

    private static string Kinds(string signature) => string.Join(", ", signature.Select(c => c switch { 's' => "scalar", 't' => "tensor", 'c' => "array of tensors", _ => "passive" }));

    private static string Math(string template) => template
        .Replace("{a}", "a", StringComparison.Ordinal).Replace("{b}", "b", StringComparison.Ordinal).Replace("{y}", "y", StringComparison.Ordinal)
        .Replace("{T}", "T", StringComparison.Ordinal).Replace("|", "\\|", StringComparison.Ordinal);

    private static string Code(string template) => "`" + template
        .Replace("{Ops}", "Ops", StringComparison.Ordinal).Replace("{Adjoint}", "Adjoint", StringComparison.Ordinal)
        .Replace("{M}", "Math", StringComparison.Ordinal).Replace("{1}", "1", StringComparison.Ordinal).Replace("{2}", "2", StringComparison.Ordinal)
        .Replace("{Ta}", "Ta", StringComparison.Ordinal).Replace("{into}", "ā", StringComparison.Ordinal).Replace("{g}", "ȳ", StringComparison.Ordinal)
        .Replace("{a}", "a", StringComparison.Ordinal).Replace("{b}", "b", StringComparison.Ordinal).Replace("{y}", "y", StringComparison.Ordinal)
        .Replace("{T}", "T", StringComparison.Ordinal).Replace("|", "\\|", StringComparison.Ordinal) + "`";

    public static string Table()
    {
        var builder = new StringBuilder();
        builder.Append("| op | operands | forward | rule | emitted backward code | result shape |\n|---|---|---|---|---|---|\n");
        foreach (var rule in Rules.All)
        {
            var adjoints = rule.Adjoints.Where(a => a is not null).ToList();
            builder.Append("| ").Append(rule.Op).Append(" | ").Append(Kinds(rule.Signature)).Append(" | ").Append(Code(rule.Forward))
                .Append(" | ").Append(Math(rule.Math)).Append(adjoints.Count > 0 ? " ⇒ " + string.Join(", ", adjoints.Select(a => Math(a!.Math))) : " (no gradient)")
                .Append(rule.Note is null ? "" : " (" + rule.Note + ")")
                .Append(" | ").Append(string.Join("<br>", adjoints.Select(a => Code(a!.Code))))
                .Append(" | ").Append(ShapeRules.Describe(rule.Shape)).Append(" |\n");
        }
        return builder.ToString();
    }

    [Fact]
    public void Rules_page_shows_the_rule_table_the_generator_uses()
    {
        var text = File.ReadAllText(Path()).Replace("\r\n", "\n", StringComparison.Ordinal);
        var start = text.IndexOf(Begin, StringComparison.Ordinal);
        var end = text.IndexOf(End, StringComparison.Ordinal);
        Assert.True(start >= 0 && end > start, "docs/rules.md lacks the generated-table markers");
        var expected = text[..(start + Begin.Length)] + "\n" + Table() + text[end..];
        if (expected != text && Environment.GetEnvironmentVariable("GRADGEN_ACCEPT") == "1") File.WriteAllText(Path(), expected);
        else Assert.Equal(expected, text);
    }
}
