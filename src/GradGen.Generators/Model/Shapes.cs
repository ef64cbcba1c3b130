using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;

namespace GradGen.Generators.Model;

/// <summary>
/// One dimension of a tensor as far as the compiler can know it: a literal length (<c>784</c>), a symbol times a positive
/// factor (<c>C</c>, <c>4*C</c>: a symbol is an int parameter's name or a name from a <c>[Shape]</c> annotation), or unknown.
/// </summary>
/// <remarks>
/// Only what is certain counts: two different symbols may be equal, a bare symbol may be 1. Lengths are taken to be
/// positive, so <c>C</c> and <c>4*C</c> are certainly different.
/// </remarks>
internal readonly record struct Dim(long Factor, string? Symbol, bool Known = true)
{
    public static readonly Dim Unknown = new(0, null, Known: false);

    public static Dim Literal(long length) => new(length, null);

    public static Dim Of(string symbol, long factor = 1) => new(factor, symbol);

    public bool IsLiteral => Known && Symbol is null;

    /// <summary>Certainly 1 (a literal 1).</summary>
    public bool IsOne => IsLiteral && Factor == 1;

    /// <summary>Certainly not 1: a literal other than 1, or a symbol times a factor of at least 2.</summary>
    public bool NotOne => Known && (Symbol is null ? Factor != 1 : Factor >= 2);

    /// <summary>True when the two lengths differ for every value of the symbols (both known, the same symbol or none, different factors).</summary>
    public static bool CertainlyDifferent(Dim a, Dim b) => a.Known && b.Known && a.Symbol == b.Symbol && a.Factor != b.Factor;

    /// <summary>True when the two lengths are the same for every value of the symbols.</summary>
    public static bool CertainlyEqual(Dim a, Dim b) => a.Known && b.Known && a.Symbol == b.Symbol && a.Factor == b.Factor;

    /// <summary><c>a·b</c> when one of them is a literal; unknown otherwise.</summary>
    public static Dim Times(Dim a, Dim b) =>
        !a.Known || !b.Known ? Unknown
        : a.Symbol is null ? new(a.Factor * b.Factor, b.Symbol)
        : b.Symbol is null ? new(a.Factor * b.Factor, a.Symbol)
        : Unknown;

    public override string ToString() =>
        !Known ? "?"
        : Symbol is null ? Factor.ToString(CultureInfo.InvariantCulture)
        : Factor == 1 ? Symbol
        : Factor.ToString(CultureInfo.InvariantCulture) + "*" + Symbol;

    /// <summary>
    /// Parses a <c>[Shape]</c> text: comma-separated dimensions, each a non-negative literal, an identifier, a literal times
    /// an identifier (<c>4*C</c>, <c>C*4</c>), or <c>?</c>/<c>_</c> for unknown. Symbols get <paramref name="scope"/> as a prefix
    /// (symbols of a weight type's members are the type's own). Null when the text is not of that form.
    /// </summary>
    public static Dim[]? ParseShape(string text, string scope)
    {
        if (text.Trim().Length == 0) return Array.Empty<Dim>();
        var dims = new List<Dim>();
        foreach (var raw in text.Split(','))
        {
            var part = raw.Trim();
            if (part is "?" or "_")
            {
                dims.Add(Unknown);
                continue;
            }
            var factors = part.Split('*').Select(f => f.Trim()).ToArray();
            long factor = 1;
            string? symbol = null;
            foreach (var f in factors)
            {
                if (long.TryParse(f, NumberStyles.None, CultureInfo.InvariantCulture, out var literal)) factor *= literal;
                else if (symbol is null && IsIdentifier(f)) symbol = scope + f;
                else return null;
            }
            if (factors.Length == 0 || factor <= 0 && symbol is not null) return null;
            dims.Add(new Dim(factor, symbol));
        }
        return dims.ToArray();
    }

    private static bool IsIdentifier(string text) => text.Length > 0 && (char.IsLetter(text[0]) || text[0] == '_') && text.All(c => char.IsLetterOrDigit(c) || c == '_');

    /// <summary>A shape as people write it: <c>[B, 784]</c>; symbols without their scope.</summary>
    public static string Show(IReadOnlyList<Dim> shape) => "[" + string.Join(", ", shape.Select(d => d.Symbol is { } s && s.IndexOf('.') >= 0
        ? new Dim(d.Factor, s.Substring(s.LastIndexOf('.') + 1)).ToString() : d.ToString())) + "]";
}
