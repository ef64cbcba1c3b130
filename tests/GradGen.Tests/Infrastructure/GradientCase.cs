using System;
using System.Collections.Generic;
using System.Linq;
using System.Reflection;

namespace GradGen.Tests.Infrastructure;

/// <summary>
/// One case of the table-driven gradient tests (rules, control flow, natural code): a <c>[Differentiable]</c> method
/// <c>F</c> in its own partial class named after the case, its parameters' shapes (see <see cref="GradientChecker.CheckAll"/>),
/// checked against central finite differences in double. A test class compiles all its cases together.
/// </summary>
public sealed record GradientCase(string Name, string Method, int[]?[] Shapes, bool Positive = false)
{
    public override string ToString() => Name;

    /// <summary>The case's source file: usings, then <c>public static partial class Name { [Differentiable] public static Method }</c>.</summary>
    public string Source => Harness.Usings + "public static partial class " + Name + "\n{\n    [Differentiable]\n    public static " + Method + "\n}\n";

    /// <summary>Every case's source and, after them, the helpers they call, as one batch.</summary>
    public static string[] Sources(IEnumerable<GradientCase> cases, string helpers) => cases.Select(c => c.Source).Append(Harness.Usings + helpers).ToArray();

    public static TheoryData<GradientCase> Data(IEnumerable<GradientCase> cases)
    {
        var data = new TheoryData<GradientCase>();
        foreach (var testCase in cases) data.Add(testCase);
        return data;
    }

    /// <summary>Both generated forms of the case's backward against central differences (seeded by the case's name).</summary>
    public void Check(Assembly compiled) =>
        GradientChecker.CheckAll(compiled.GetType(Name)!, "F", Shapes, Positive, seed: Name.GetHashCode(StringComparison.Ordinal) & 0xffff);
}
