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
        if (Symbols.Classify(conditional.Type).Kind == ValueKind.Container)
        {
            // Which weight object (or array of tensors) the gradient belongs to would depend on the branch taken: the
            // backward would need a gradient object chosen the same way, which the plan has no value for.
            Reject(RejectionKind.UnsupportedConstruct, conditional.Syntax, RejectionText.ContainerConditional(conditional.Syntax));
            return -1;
        }
        var condition = Condition(conditional.Condition, depth);
        if (condition < 0 || conditional.WhenFalse is null) return -1;
        var results = Branch(condition, conditional.Syntax,
            () => new[] { Expression(conditional.WhenTrue, depth + 1) },
            () => new[] { Expression(conditional.WhenFalse, depth + 1) },
            new[] { Symbols.Classify(conditional.Type) });
        return results?[0] ?? -1;
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
        int[] Assigned() => assigned.Select(local => _locals[local]).ToArray();
        var results = Branch(condition, statement.Syntax,
            () => { LowerStatement(statement.WhenTrue, depth + 1); return Assigned(); },
            () => { if (statement.WhenFalse is not null) LowerStatement(statement.WhenFalse, depth + 1); return Assigned(); },
            assigned.Select(local => _instructions[_locals[local]].Type).ToArray());
        if (results is null) return;
        for (var k = 0; k < assigned.Count; k++) Bind(assigned[k], results[k]);
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
    /// The two regions of a branch, each ending with a <see cref="OpKind.Yield"/> of the values its body returns (the
    /// locals an <c>if</c> may assign, the value of a <c>?:</c>, the result of a method with an early return); after it,
    /// one <see cref="OpKind.IfResult"/> per value, of the given types. What a region binds stays in it: the locals are
    /// restored after each region. Returns the merged values, or null after a rejection.
    /// </summary>
    private int[]? Branch(int condition, SyntaxNode syntax, System.Func<int[]> whenTrue, System.Func<int[]> whenFalse, IReadOnlyList<IrType> types)
    {
        var locals = new Dictionary<ISymbol, int>(_locals, SymbolEqualityComparer.Default);
        var branch = Add(new Builder { Op = OpKind.If, Operands = new[] { condition }, Type = PassiveInt });
        var thenYield = Region(branch, whenTrue, locals);
        if (thenYield is null) return null;
        var otherwise = Add(new Builder { Op = OpKind.Else, Operands = new[] { branch }, Type = PassiveInt });
        var elseYield = Region(otherwise, whenFalse, locals);
        if (elseYield is null) return null;
        for (var k = 0; k < types.Count; k++)
        {
            if (_instructions[thenYield[k]].Type.Kind != _instructions[elseYield[k]].Type.Kind)
            {
                Reject(RejectionKind.UnsupportedConstruct, syntax, RejectionText.OperandTypes(syntax));
                return null;
            }
        }
        return types.Select((type, k) => Add(new Builder { Op = OpKind.IfResult, Operands = new[] { branch }, Type = type, Index = k })).ToArray();
    }

    /// <summary>Lowers one region of a branch and its yield, then restores the locals; null after a rejection.</summary>
    private int[]? Region(int owner, System.Func<int[]> body, Dictionary<ISymbol, int> locals)
    {
        var outer = _region;
        _region = owner;
        var yielded = body();
        _locals.Clear();
        foreach (var pair in locals) _locals[pair.Key] = pair.Value;
        if (yielded.Any(id => id < 0))
        {
            _region = outer;
            return null;
        }
        Add(new Builder { Op = OpKind.Yield, Operands = yielded, Type = PassiveInt, Name = "" });
        _region = outer;
        return yielded;
    }
}
