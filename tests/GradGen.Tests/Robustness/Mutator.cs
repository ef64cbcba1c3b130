using System;
using System.Collections.Generic;
using System.Linq;
using System.Text;
using Microsoft.CodeAnalysis.CSharp;

namespace GradGen.Tests.Robustness;

/// <summary>
/// Breaks a source by editing its token stream (deletions, insertions, duplications, swaps, replacements), with a
/// fixed-seed <see cref="Random"/> so every run checks the same mutants. Trivia is kept, so the result still reads
/// like the original with a few tokens wrong, which is what half-edited code in an IDE looks like.
/// </summary>
public static class Mutator
{
    /// <summary>Tokens and fragments that stress the front end when dropped into a [Differentiable] method.</summary>
    public static readonly string[] Adversarial =
    {
        "{", "}", "(", ")", "[", "]", ";", ",", ".", "=>", "=", "+=", "++", "-", "*", "/", "%", "<", ">", "?", "??", "!", "&", "@", "$\"", "\"", "'", "/*", "#if X", "#endif", "\\u0061",
        "[Differentiable]", "[NoGradient]", "[Differentiable(", "Differentiable", "ref", "out", "in", "params", "this", "static", "partial", "abstract", "extern",
        "async", "await", "yield return", "unsafe", "fixed", "stackalloc", "dynamic", "__arglist", "__makeref", "default", "null", "new", "var", "return", "throw",
        "goto L;", "L:", "if (true)", "else", "for (;;)", "while (x)", "using", "lock (this)", "try", "catch", "checked", "is", "switch", "with", "when",
        "float", "double", "int", "Tensor<double>", "Tensor<float>", "Tensor<", "Ops.", "Math.", "Ops.Relu(", "Math.Sin(", "MathF", "F(", "x", "1e400", "0.5f", "1m",
        "class", "struct", "record", "interface", "namespace N;", "delegate", "operator", "implicit", "explicit", "global::", "::", "typeof(int)", "nameof(x)", "sizeof(int)",
    };

    public static string Mutate(string source, Random random, int edits)
    {
        var tokens = SyntaxFactory.ParseTokens(source).ToList();
        var leading = tokens.Select(t => t.LeadingTrivia.ToFullString()).ToList();
        var text = tokens.Select(t => t.Text).ToList();
        var trailing = tokens.Select(t => t.TrailingTrivia.ToFullString()).ToList();
        // The end-of-file token has no text; edits land before it.
        var pool = text.Where(t => t.Length > 0).Distinct().ToArray();
        if (pool.Length == 0) return source;

        string Pick() => random.Next(3) == 0 ? Adversarial[random.Next(Adversarial.Length)] : pool[random.Next(pool.Length)];
        int Position() => random.Next(Math.Max(1, text.Count - 1));

        for (var edit = 0; edit < edits; edit++)
        {
            var i = Position();
            switch (random.Next(5))
            {
                case 0: // delete
                    text[i] = "";
                    if (leading[i].Length == 0 && trailing[i].Length == 0) trailing[i] = " ";
                    break;
                case 1: // insert
                    text.Insert(i, Pick());
                    leading.Insert(i, "");
                    trailing.Insert(i, " ");
                    break;
                case 2: // duplicate
                    text.Insert(i, text[i]);
                    leading.Insert(i, "");
                    trailing.Insert(i, " ");
                    break;
                case 3: // swap with a neighbour or with a token anywhere
                    var j = random.Next(2) == 0 ? Math.Min(i + 1, text.Count - 1) : Position();
                    (text[i], text[j]) = (text[j], text[i]);
                    break;
                default: // replace
                    text[i] = Pick();
                    break;
            }
        }

        var builder = new StringBuilder(source.Length + 64);
        for (var k = 0; k < text.Count; k++) builder.Append(leading[k]).Append(text[k]).Append(trailing[k]);
        return builder.ToString();
    }

    /// <summary>Every prefix of <paramref name="source"/> whose length is a multiple of <paramref name="step"/>: what an editor sees while the method is typed.</summary>
    public static IEnumerable<string> Truncations(string source, int step)
    {
        for (var length = step; length < source.Length; length += step) yield return source.Substring(0, length);
    }
}
