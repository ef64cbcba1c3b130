using System;
using System.Linq;
using GradGen.Generators.Differentiation;

namespace GradGen.Tests.Generator;

/// <summary>The rule rows state as fields what their templates do: these tests keep the two in agreement.</summary>
public class RuleTableTests
{
    public static TheoryData<string> RuleNames()
    {
        var data = new TheoryData<string>();
        foreach (var rule in Rules.All) data.Add(rule.Op + "(" + rule.Signature + ")");
        return data;
    }

    private static Rule Find(string name) => Rules.All.Single(r => r.Op + "(" + r.Signature + ")" == name);

    [Theory]
    [MemberData(nameof(RuleNames))]
    public void Reads_names_exactly_the_values_the_adjoint_code_reads(string name)
    {
        foreach (var adjoint in Find(name).Adjoints.Where(a => a is not null))
        {
            var declared = adjoint!.Reads;
            var used = (adjoint.Code.Contains("{a}", StringComparison.Ordinal) ? Reads.A : Reads.None)
                       | (adjoint.Code.Contains("{b}", StringComparison.Ordinal) ? Reads.B : Reads.None)
                       | (adjoint.Code.Contains("{y}", StringComparison.Ordinal) ? Reads.Y : Reads.None);
            Assert.True(declared == used, name + ": " + adjoint.Code + " reads " + used + " but the row says " + declared);
        }
    }

    [Theory]
    [MemberData(nameof(RuleNames))]
    public void Pass_through_adjoints_hand_the_upstream_gradient_on_unchanged(string name)
    {
        foreach (var adjoint in Find(name).Adjoints.Where(a => a is not null && a.PassThrough))
        {
            Assert.Equal("{Adjoint}.Identity({g}, {into})", adjoint!.Code);
        }
    }

    [Theory]
    [MemberData(nameof(RuleNames))]
    public void The_forward_method_a_row_names_exists(string name)
    {
        var rule = Find(name);
        var arity = rule.Signature.Length;
        if (rule.OpsMethod is { } ops)
        {
            Assert.Contains(typeof(GradGen.Ops).GetMethods(), m => m.Name == ops && m.GetParameters().Length == arity);
        }
        else if (rule.MathMethod is { } math)
        {
            Assert.Contains(typeof(Math).GetMethods(), m => m.Name == math && m.GetParameters().Length == arity);
            Assert.Contains(typeof(MathF).GetMethods(), m => m.Name == math && m.GetParameters().Length == arity);
        }
        else
        {
            Assert.False(string.IsNullOrEmpty(rule.Expression), name + " has neither a method nor an expression");
        }
    }
}
