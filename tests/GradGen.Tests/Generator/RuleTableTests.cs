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
        var rule = Find(name);
        if (rule.Kernel is { } kernel)
        {
            Assert.True(rule.KernelReads == ReadsOf(kernel), name + ": " + kernel + " reads " + ReadsOf(kernel) + " but the row says " + rule.KernelReads);
            Assert.All(rule.Adjoints.Where(a => a is not null), a => Assert.Equal("", a!.Code));
            return;
        }
        foreach (var adjoint in rule.Adjoints.Where(a => a is not null))
        {
            Assert.True(adjoint!.Reads == ReadsOf(adjoint.Code), name + ": " + adjoint.Code + " reads " + ReadsOf(adjoint.Code) + " but the row says " + adjoint.Reads);
        }
    }

    private static Reads ReadsOf(string code)
    {
        var reads = code.Contains("{y}", StringComparison.Ordinal) ? Reads.Y : Reads.None;
        for (var k = 0; k < Operand.Placeholders.Length; k++)
        {
            if (code.Contains(Operand.Placeholders[k], StringComparison.Ordinal)) reads |= Operand.Flags[k];
        }
        return reads;
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
            if (rule.Kernel is { } kernel) Assert.Contains(typeof(GradGen.Adjoint).GetMethods(), m => kernel.StartsWith("{Adjoint}." + m.Name + "(", StringComparison.Ordinal));
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
