using System.Collections.Generic;
using System.Linq;
using GradGen.Generators.Helpers;
using GradGen.Generators.Model;

namespace GradGen.Generators.Differentiation;

/// <summary>
/// Decides the backward sweep statement by statement: the names of the generated members and gradient buffers, where a
/// gradient buffer is declared, where it is accumulated into, where the upstream buffer is handed on, and the scratch
/// buffers a callee's pullback needs.
/// </summary>
/// <remarks>
/// Every contribution accumulates, so a value used many times receives the sum (the residual rule). The first
/// contribution to an intermediate declares its buffer. A gradient buffer this method owns (not the caller's upstream
/// gradient) may be handed on to one operand that receives it unchanged: nothing reads it after its own block.
/// </remarks>
internal sealed class BackwardPlanner
{
    private readonly MethodModel _method;
    private readonly EquatableArray<Instruction> _instructions;
    private readonly bool[] _active;
    private readonly HashSet<string> _taken;
    private readonly Dictionary<int, string> _gradients = new();
    private readonly HashSet<int> _declared = new();
    private int _unused;

    public BackwardPlanner(MethodModel method, bool[] active, IReadOnlyList<int> backward)
    {
        _method = method;
        _instructions = method.Instructions;
        _active = active;
        Names = ChooseNames(out _taken);
        Statements = Plan(backward).ToEquatableArray();
    }

    public GeneratedNames Names { get; }

    public EquatableArray<BackwardStatement> Statements { get; }

    private GeneratedNames ChooseNames(out HashSet<string> taken)
    {
        taken = new HashSet<string>(_instructions.Select(i => i.Name).Concat(_method.Parameters.Select(p => p.Name)));
        var callTapes = Enumerable.Repeat("", _instructions.Count).ToArray();
        foreach (var instruction in _instructions.Where(i => i.Op == OpKind.Call))
        {
            callTapes[instruction.Id] = Naming.Unique(instruction.Name.TrimStart('@') + "Tape", taken);
        }
        var parameterGradients = Enumerable.Repeat("", _method.Parameters.Count).ToArray();
        for (var i = 0; i < parameterGradients.Length; i++)
        {
            if (_method.Parameters[i].Differentiable) parameterGradients[i] = Naming.Unique(Naming.Gradient(_method.Parameters[i].Name), taken);
        }
        var tape = Naming.Unique("tape", taken);
        var upstream = Naming.Unique(_method.ReturnType.Kind == ValueKind.Scalar ? "seed" : "dY", taken);
        var value = Naming.Unique("value", taken);
        return new GeneratedNames(tape, upstream, value, parameterGradients.ToEquatableArray(), callTapes.ToEquatableArray());
    }

    private List<BackwardStatement> Plan(IReadOnlyList<int> backward)
    {
        foreach (var instruction in _instructions)
        {
            if (!_active[instruction.Id]) continue;
            if (instruction.Op == OpKind.Parameter)
            {
                _gradients[instruction.Id] = Names.ParameterGradients[instruction.ParameterIndex];
                _declared.Add(instruction.Id);
            }
            else if (instruction.Id == _method.Result)
            {
                _gradients[instruction.Id] = Names.Upstream;
                _declared.Add(instruction.Id);
            }
            else
            {
                _gradients[instruction.Id] = Naming.Unique(Naming.Gradient(instruction.Name), _taken);
            }
        }

        var statements = new List<BackwardStatement>();
        var result = _instructions[_method.Result];
        if (result.Op == OpKind.Parameter && _active[result.Id])
        {
            statements.Add(new ReturnedAsIs(result.Id, _gradients[result.Id], Names.Upstream));
        }
        foreach (var id in backward)
        {
            statements.Add(_instructions[id].Op == OpKind.Call ? CallBlock(_instructions[id]) : RuleBlock(_instructions[id]));
        }
        return statements;
    }

    private BackwardStatement CallBlock(Instruction instruction)
    {
        var callee = instruction.Callee!;
        var statements = new List<BackwardStatement>();
        var arguments = new List<CallArgument>();
        for (var k = 0; k < instruction.Operands.Count; k++)
        {
            if (!callee.DifferentiableParameters[k]) continue;
            var operand = _instructions[instruction.Operands[k]];
            var isScalar = operand.Type.Kind == ValueKind.Scalar;
            string? target;
            if (_active[operand.Id])
            {
                target = _gradients[operand.Id];
                if (_declared.Add(operand.Id)) statements.Add(new DeclareGradient(operand.Id, target));
            }
            else if (isScalar)
            {
                target = Naming.Unique("unused" + _unused++, _taken);
                statements.Add(new DeclareGradient(operand.Id, target));
            }
            else
            {
                target = null; // a fresh scratch tensor shaped like the argument
            }
            arguments.Add(new CallArgument(operand.Id, target, isScalar));
        }
        return new CallBlock(instruction.Id, _gradients[instruction.Id], statements.ToEquatableArray(), arguments.ToEquatableArray());
    }

    private BackwardStatement RuleBlock(Instruction instruction)
    {
        var rule = Differentiator.RuleOf(instruction, _instructions);
        var g = _gradients[instruction.Id];
        var flows = Enumerable.Range(0, instruction.Operands.Count).Where(k => _active[instruction.Operands[k]] && rule.Adjoints[k] is not null).ToList();
        var statements = new List<BackwardStatement>();
        // The caller's upstream gradient is never handed on: the caller may read it afterwards.
        var canHandOn = instruction.Id != _method.Result;
        foreach (var k in flows)
        {
            var operand = _instructions[instruction.Operands[k]];
            var target = _gradients[operand.Id];
            var first = _declared.Add(operand.Id);
            if (operand.Type.Kind == ValueKind.Tensor)
            {
                if (first && canHandOn && rule.Adjoints[k]!.PassThrough && instruction.Operands.Count(o => o == operand.Id) == 1)
                {
                    statements.Add(new HandOnGradient(operand.Id, target, g));
                    canHandOn = false;
                    continue;
                }
                if (first) statements.Add(new DeclareGradient(operand.Id, target));
                statements.Add(new Accumulate(instruction.Id, k, g, target, Declares: false));
            }
            else
            {
                statements.Add(new Accumulate(instruction.Id, k, g, target, Declares: first));
            }
        }
        return new RuleBlock(instruction.Id, g, flows.ToEquatableArray(), statements.ToEquatableArray());
    }
}
