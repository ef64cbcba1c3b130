using System.Collections.Generic;
using System.Linq;
using GradGen.Generators.Diagnostics;
using GradGen.Generators.Model;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Operations;

namespace GradGen.Generators.Lowering;

/// <summary>
/// Lower, the branches: <c>if</c>/<c>else</c> and <c>c ? a : b</c> on a passive condition (which may compare
/// differentiated values: <c>x &gt; 0 ? x : 0</c> is ReLU) become an <see cref="OpKind.If"/> with a then- and an
/// else-region; the gradient flows through the branch taken.
/// </summary>
internal sealed partial class Lowerer
{
    private int LowerConditionalExpression(IConditionalOperation conditional, int depth)
    {
        var condition = Condition(conditional.Condition, depth);
        if (condition < 0 || conditional.WhenFalse is null) return -1;
        var results = LowerBranches(condition, conditional.Syntax, new List<ILocalSymbol>(),
            () => Expression(conditional.WhenTrue, depth + 1),
            () => Expression(conditional.WhenFalse, depth + 1),
            Symbols.Classify(conditional.Type));
        return results;
    }

    private void LowerIf(IConditionalOperation statement, int depth)
    {
        var condition = Condition(statement.Condition, depth);
        if (condition < 0) return;
        var assigned = Writes(statement).Where(local => _locals.ContainsKey(local)).ToList();
        foreach (var local in assigned)
        {
            if (_instructions[_locals[local]].Type.Kind == ValueKind.Container)
            {
                Reject(RejectionKind.UnsupportedConstruct, statement.Syntax, RejectionText.ContainerCarried(local.Name));
                return;
            }
        }
        var returned = _result;
        LowerBranches(condition, statement.Syntax, assigned,
            () => { LowerStatement(statement.WhenTrue, depth + 1); return 0; },
            () => { if (statement.WhenFalse is not null) LowerStatement(statement.WhenFalse, depth + 1); return 0; },
            null);
        if (_result != returned)
        {
            Reject(RejectionKind.UnsupportedConstruct, statement.Syntax, RejectionText.ReturnInBranch);
            _result = returned;
        }
    }

    /// <summary>A branch condition: a passive boolean (a comparison of differentiated values included).</summary>
    private int Condition(IOperation condition, int depth)
    {
        var id = Expression(condition, depth + 1);
        if (id >= 0 && _instructions[id].Type.Kind != ValueKind.Passive)
        {
            Reject(RejectionKind.UnsupportedConstruct, condition.Syntax, RejectionText.PassiveExpression(condition.Syntax));
            return -1;
        }
        return id;
    }

    /// <summary>
    /// The two regions of a branch. Each yields the locals it may assign (and, for <c>?:</c>, its value); after the branch
    /// the locals take the merged results. Returns the merged value of a <c>?:</c> (or 0 for a statement), -1 after a rejection.
    /// </summary>
    private int LowerBranches(int condition, SyntaxNode syntax, List<ILocalSymbol> assigned, System.Func<int> whenTrue, System.Func<int> whenFalse, IrType? valueType)
    {
        var before = assigned.ToDictionary(local => local, local => _locals[local], (IEqualityComparer<ILocalSymbol>)SymbolEqualityComparer.Default);
        var branch = Add(new Builder { Op = OpKind.If, Operands = new[] { condition }, Type = PassiveInt });
        var thenYield = Region(branch, whenTrue, assigned, valueType is not null);
        foreach (var pair in before) _locals[pair.Key] = pair.Value;
        if (thenYield is null) return -1;
        var otherwise = Add(new Builder { Op = OpKind.Else, Operands = new[] { branch }, Type = PassiveInt });
        var elseYield = Region(otherwise, whenFalse, assigned, valueType is not null);
        if (elseYield is null) return -1;
        var count = assigned.Count + (valueType is null ? 0 : 1);
        for (var k = 0; k < count; k++)
        {
            var thenType = _instructions[thenYield[k]].Type;
            var elseType = _instructions[elseYield[k]].Type;
            if (thenType.Kind != elseType.Kind)
            {
                Reject(RejectionKind.UnsupportedConstruct, syntax, RejectionText.OperandTypes(syntax));
                return -1;
            }
        }
        var value = 0;
        for (var k = 0; k < count; k++)
        {
            var type = k < assigned.Count ? _instructions[before[assigned[k]]].Type : valueType!.Value;
            var result = Add(new Builder { Op = OpKind.IfResult, Operands = new[] { branch }, Type = type, Index = k });
            if (k < assigned.Count) Bind(assigned[k], result);
            else value = result;
        }
        return value;
    }

    /// <summary>Lowers one region of a branch and its yield (the assigned locals, then the value of a <c>?:</c>); null after a rejection.</summary>
    private int[]? Region(int owner, System.Func<int> body, List<ILocalSymbol> assigned, bool hasValue)
    {
        var outer = _region;
        _region = owner;
        var value = body();
        var yielded = assigned.Select(local => _locals[local]).ToList();
        if (hasValue) yielded.Add(value);
        if (yielded.Any(id => id < 0))
        {
            _region = outer;
            return null;
        }
        Add(new Builder { Op = OpKind.Yield, Operands = yielded.ToArray(), Type = PassiveInt, Name = "" });
        _region = outer;
        return yielded.ToArray();
    }
}
