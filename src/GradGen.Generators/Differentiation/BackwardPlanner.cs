using System.Collections.Generic;
using System.Linq;
using GradGen.Generators.Helpers;
using GradGen.Generators.Model;

namespace GradGen.Generators.Differentiation;

/// <summary>
/// Decides the backward sweep statement by statement: the names of the generated members and gradient buffers, where a
/// gradient buffer is declared, where it is accumulated into, where the upstream buffer is handed on, the scratch
/// buffers a callee's pullback needs, the reverse loops — and, from all of that, what the forward sweep must record.
/// </summary>
/// <remarks>
/// Every contribution accumulates, so a value used many times receives the sum (the residual rule). The first
/// contribution to an intermediate declares its buffer, in the scope of the region that defines the value; a value of an
/// outer region that a loop body contributes to is declared before the reverse loop. A gradient buffer this method owns
/// (not the caller's upstream gradient) may be handed on to one operand that receives it unchanged: nothing reads it
/// after its own block. Element and member reads (<c>ws[i]</c>, <c>w.Layer</c>) have no buffer of their own: their
/// gradient is the same path in their container's gradient, so kernels add straight into the caller's buffers.
/// </remarks>
internal sealed class BackwardPlanner
{
    private readonly MethodModel _method;
    private readonly EquatableArray<Instruction> _instructions;
    private readonly bool[] _active;
    private readonly HashSet<string> _taken;
    private readonly Dictionary<int, string> _gradients = new();
    private readonly HashSet<int> _declared = new();
    private readonly HashSet<int> _reads = new();
    private readonly HashSet<int> _tapes = new();
    private int _unused;

    public BackwardPlanner(MethodModel method, bool[] active)
    {
        _method = method;
        _instructions = method.Instructions;
        _active = active;
        Names = ChooseNames(out _taken);
        Statements = Plan().ToEquatableArray();
    }

    public GeneratedNames Names { get; }

    public EquatableArray<BackwardStatement> Statements { get; }

    /// <summary>The values the backward sweep reads (each recorded on the tape of its region, unless it is a constant or a loop index).</summary>
    public IEnumerable<int> Reads => _reads;

    /// <summary>The calls and loops whose tapes the backward sweep reads.</summary>
    public IEnumerable<int> Tapes => _tapes;

    private GeneratedNames ChooseNames(out HashSet<string> taken)
    {
        taken = new HashSet<string>(_instructions.Select(i => i.Name).Concat(_method.Parameters.Select(p => p.Name)));
        var tapes = Enumerable.Repeat("", _instructions.Count).ToArray();
        var steps = Enumerable.Repeat("", _instructions.Count).ToArray();
        foreach (var instruction in _instructions.Where(i => i.Op == OpKind.Call))
        {
            tapes[instruction.Id] = Naming.Unique(instruction.Name.TrimStart('@') + "Tape", taken);
        }
        var parameterGradients = Enumerable.Repeat("", _method.Parameters.Count).ToArray();
        for (var i = 0; i < parameterGradients.Length; i++)
        {
            if (_method.Parameters[i].Differentiable) parameterGradients[i] = Naming.Unique(Naming.Gradient(_method.Parameters[i].Name), taken);
        }
        var self = _method.Self is null ? "" : Naming.Unique(Naming.SelfGradient, taken);
        var tape = Naming.Unique("tape", taken);
        var upstream = Naming.Unique(_method.ReturnType.Kind == ValueKind.Scalar ? "seed" : "dY", taken);
        var value = Naming.Unique("value", taken);
        var overwrite = Naming.Unique("overwrite", taken);
        foreach (var loop in _instructions.Where(i => i.Op == OpKind.For))
        {
            var index = Differentiator.LoopIndexOf(loop.Id, _instructions).Name.TrimStart('@');
            tapes[loop.Id] = Naming.Unique(index + "Steps", taken);
            steps[loop.Id] = Naming.Unique(index + "Step", taken);
        }
        return new GeneratedNames(tape, upstream, value, parameterGradients.ToEquatableArray(), tapes.ToEquatableArray(), steps.ToEquatableArray(), self, overwrite);
    }

    private List<BackwardStatement> Plan()
    {
        foreach (var instruction in _instructions)
        {
            if (!_active[instruction.Id]) continue;
            switch (instruction.Op)
            {
                case OpKind.Parameter:
                    _gradients[instruction.Id] = Names.ParameterGradients[instruction.ParameterIndex];
                    _declared.Add(instruction.Id);
                    break;
                case OpKind.This:
                    _gradients[instruction.Id] = Names.SelfGradient;
                    _declared.Add(instruction.Id);
                    break;
                case OpKind.Element:
                case OpKind.Store:
                    _gradients[instruction.Id] = _gradients[instruction.Operands[0]] + "[" + _instructions[instruction.Operands[1]].Name + "]";
                    _declared.Add(instruction.Id);
                    break;
                case OpKind.Member:
                    _gradients[instruction.Id] = _gradients[instruction.Operands[0]] + "." + instruction.Template;
                    _declared.Add(instruction.Id);
                    break;
                default:
                    if (instruction.Id == _method.Result)
                    {
                        _gradients[instruction.Id] = Names.Upstream;
                        _declared.Add(instruction.Id);
                    }
                    else
                    {
                        _gradients[instruction.Id] = Naming.Unique(Naming.Gradient(instruction.Name), _taken);
                    }
                    break;
            }
        }

        // When the caller asks for its gradients written, not added to: unplanned, each is zeroed first.
        var statements = new List<BackwardStatement> { new WriteRequest(EquatableArray<string>.Empty) };
        DeclareBuilt(-1, statements);
        var result = _instructions[_method.Result];
        if (_active[result.Id] && result.Op is OpKind.Parameter or OpKind.Element or OpKind.Member)
        {
            // The result has no buffer of its own: the caller's gradient of it receives ∂L/∂result.
            statements.Add(Wanted(result.Id, new ReturnedAsIs(result.Id, _gradients[result.Id] = AliasGradient(result), Names.Upstream)));
        }
        Region(-1, statements);
        return statements;
    }

    /// <summary>The caller-owned gradient of a parameter, element or member (for the rare method that returns one as is).</summary>
    private string AliasGradient(Instruction instruction)
    {
        ReadAlias(instruction);
        return instruction.Op switch
        {
            OpKind.Parameter => Names.ParameterGradients[instruction.ParameterIndex],
            OpKind.This => Names.SelfGradient,
            OpKind.Element => AliasGradient(_instructions[instruction.Operands[0]]) + "[" + _instructions[instruction.Operands[1]].Name + "]",
            _ => AliasGradient(_instructions[instruction.Operands[0]]) + "." + instruction.Template,
        };
    }

    /// <summary>The gradient of a value, noting what naming it reads (an element's index).</summary>
    private string Gradient(int id)
    {
        ReadAlias(_instructions[id]);
        return _gradients[id];
    }

    private void ReadAlias(Instruction instruction)
    {
        for (; instruction.Op is OpKind.Element or OpKind.Member or OpKind.Store; instruction = _instructions[instruction.Operands[0]])
        {
            if (instruction.Op is OpKind.Element or OpKind.Store) _reads.Add(instruction.Operands[1]);
        }
    }

    /// <summary>
    /// Declares the gradients of the arrays of tensors built in a region (see <see cref="Differentiator.IsBuiltContainer"/>)
    /// where its backward statements begin: before any use — a yield, a returned element — can add into an element.
    /// </summary>
    private void DeclareBuilt(int region, List<BackwardStatement> statements)
    {
        foreach (var built in _instructions.Where(i => i.Region == region && _active[i.Id] && Differentiator.IsBuiltContainer(i)))
        {
            if (_declared.Add(built.Id)) statements.Add(Declare(built.Id, Gradient(built.Id)));
        }
    }

    /// <summary>The backward statements of one region (the method body, or a loop body), instructions in reverse.</summary>
    private void Region(int region, List<BackwardStatement> statements)
    {
        for (var id = _instructions.Count - 1; id >= 0; id--)
        {
            var instruction = _instructions[id];
            if (instruction.Region != region) continue;
            if (instruction.Op == OpKind.For)
            {
                Loop(instruction, statements);
                continue;
            }
            if (instruction.Op == OpKind.If)
            {
                Branch(instruction, statements);
                continue;
            }
            if (!_active[id] || id == _method.Result && instruction.Op is OpKind.Parameter or OpKind.Element or OpKind.Member) continue;
            if (instruction.Op == OpKind.Call) statements.Add(CallBlock(instruction));
            else if (Differentiator.HasRule(instruction.Op)) statements.Add(RuleBlock(instruction));
            else if (instruction.Op is OpKind.Pack or OpKind.Store) statements.Add(ElementsBlock(instruction));
        }
    }

    private BackwardStatement CallBlock(Instruction instruction)
    {
        var callee = instruction.Callee!;
        if (callee.CustomPullback is null)
        {
            _tapes.Add(instruction.Id);
            if (callee.Self) _reads.Add(instruction.Operands[0]); // the instance the pullback runs on
        }
        else
        {
            // A registered pullback reads the arguments and the result.
            foreach (var operand in instruction.Operands) _reads.Add(operand);
            _reads.Add(instruction.Id);
        }
        var statements = new List<BackwardStatement>();
        var arguments = new List<CallArgument>();
        var after = new List<BackwardStatement>();
        for (var k = 0; k < instruction.Operands.Count; k++)
        {
            if (!callee.DifferentiableParameters[k]) continue;
            var operand = _instructions[instruction.Operands[k]];
            var isScalar = operand.Type.Kind == ValueKind.Scalar;
            string? target;
            if (_active[operand.Id] && isScalar && operand.Op == OpKind.Member)
            {
                // A scalar member's gradient (dModel.Scale) may be a property, which cannot be passed by ref: the pullback
                // adds into a local, added to the member after it.
                target = Naming.Unique(Naming.Gradient(operand.Name), _taken);
                statements.Add(Declare(operand.Id, target));
                after.Add(new AddGradient(operand.Id, Gradient(operand.Id), target, Declares: false));
            }
            else if (_active[operand.Id])
            {
                target = Gradient(operand.Id);
                if (_declared.Add(operand.Id)) statements.Add(Declare(operand.Id, target));
            }
            else if (isScalar)
            {
                target = Naming.Unique("unused" + _unused++, _taken);
                statements.Add(Declare(operand.Id, target));
            }
            else if (callee.CustomPullback is not null)
            {
                target = null; // a user's pullback adds into every buffer: a fresh scratch tensor shaped like the argument
                _reads.Add(operand.Id);
            }
            else
            {
                target = null; // a generated pullback takes null for a gradient nobody wants, and skips the work for it
            }
            arguments.Add(new CallArgument(operand.Id, target, isScalar));
        }
        var block = new CallBlock(instruction.Id, Gradient(instruction.Id), statements.ToEquatableArray(), arguments.ToEquatableArray());
        return after.Count == 0 ? block : new Sequence(after.Prepend(block).ToEquatableArray());
    }

    /// <summary>
    /// A <see cref="OpKind.Pack"/> or <see cref="OpKind.Store"/> in reverse: each element's gradient (in the array's gradient)
    /// flows into the value it holds.
    /// </summary>
    private BackwardStatement ElementsBlock(Instruction instruction)
    {
        var statements = new List<BackwardStatement>();
        var gradient = Gradient(instruction.Id);
        if (instruction.Op == OpKind.Store)
        {
            if (_active[instruction.Operands[2]]) statements.Add(Add(instruction.Operands[2], gradient));
        }
        else
        {
            for (var k = 0; k < instruction.Operands.Count; k++)
            {
                if (_active[instruction.Operands[k]]) statements.Add(Add(instruction.Operands[k], gradient + "[" + k.ToString(System.Globalization.CultureInfo.InvariantCulture) + "]"));
            }
        }
        return new ElementsBlock(instruction.Id, statements.ToEquatableArray());
    }

    private BackwardStatement RuleBlock(Instruction instruction)
    {
        var rule = Differentiator.RuleOf(instruction, _instructions);
        var g = Gradient(instruction.Id);
        var flows = Enumerable.Range(0, instruction.Operands.Count).Where(k => _active[instruction.Operands[k]] && rule.Adjoints[k] is not null).ToList();
        var statements = new List<BackwardStatement>();
        // The caller's upstream gradient is never handed on: the caller may read it afterwards.
        var canHandOn = instruction.Id != _method.Result;
        if (rule.Kernel is not null)
        {
            Read(instruction, rule.KernelReads);
            var targets = Enumerable.Repeat("", instruction.Operands.Count).ToArray();
            foreach (var k in flows)
            {
                var id = instruction.Operands[k];
                targets[k] = Gradient(id);
                if (_declared.Add(id)) statements.Add(Declare(id, targets[k]));
            }
            statements.Add(new AccumulateAll(instruction.Id, g, targets.ToEquatableArray()));
            return new RuleBlock(instruction.Id, g, flows.ToEquatableArray(), statements.ToEquatableArray());
        }
        foreach (var k in flows)
        {
            var adjoint = rule.Adjoints[k]!;
            Read(instruction, adjoint.Reads);
            var operand = _instructions[instruction.Operands[k]];
            var target = Gradient(operand.Id);
            var first = _declared.Add(operand.Id);
            if (operand.Type.Kind is ValueKind.Tensor or ValueKind.Container)
            {
                if (first && canHandOn && adjoint.PassThrough && instruction.Operands.Count(o => o == operand.Id) == 1)
                {
                    _reads.Add(operand.Id); // Reduce needs the operand's shape
                    statements.Add(new HandOnGradient(operand.Id, target, g));
                    canHandOn = false;
                    continue;
                }
                if (first) statements.Add(Declare(operand.Id, target));
                statements.Add(Wanted(operand.Id, new Accumulate(instruction.Id, k, g, target, Declares: false)));
            }
            else
            {
                statements.Add(new Accumulate(instruction.Id, k, g, target, Declares: first));
            }
        }
        return new RuleBlock(instruction.Id, g, flows.ToEquatableArray(), statements.ToEquatableArray());
    }

    /// <summary>Notes the values of an instruction a template reads.</summary>
    private void Read(Instruction instruction, Reads reads)
    {
        for (var k = 0; k < instruction.Operands.Count; k++)
        {
            if ((reads & Operand.Flags[k]) != 0) _reads.Add(instruction.Operands[k]);
        }
        if ((reads & Differentiation.Reads.Y) != 0) _reads.Add(instruction.Id);
    }

    /// <summary>
    /// A loop in reverse: each carried value's gradient enters the last iteration from the loop's result, goes from the end
    /// of an iteration to its start through the body, and leaves the first iteration into the initial value.
    /// </summary>
    private void Loop(Instruction loop, List<BackwardStatement> statements)
    {
        var before = new List<BackwardStatement>();
        var after = new List<BackwardStatement>();
        var body = _instructions.Where(i => Inside(i, loop.Id)).ToList();
        var yield = Differentiator.YieldOf(loop, _instructions);
        var carried = body.Where(i => i.Op == OpKind.Carried && i.Region == loop.Id).OrderBy(i => i.Index).ToList();
        var results = _instructions.Where(i => i.Op == OpKind.LoopResult && i.Operands[0] == loop.Id).ToDictionary(i => i.Index);
        // No gradient flows through this loop: nothing in it and none of its results receives one. (A result may receive
        // one while nothing in the body does: the body overwrites it, so its initial value gets the gradient only when
        // the loop runs no iteration.)
        if (!body.Any(i => _active[i.Id]) && !results.Values.Any(r => _active[r.Id])) return;

        // The carried values a gradient flows through: read by the body, or the loop's result read after it.
        var flowing = carried.Where(c => _active[c.Id] || results.TryGetValue(c.Index, out var r) && _active[r.Id]).ToList();

        // Gradients of outer values the body adds into live across iterations. (This loop's own carried values are handed
        // between iterations below; an iteration adds into what it yields only for the carried values in flow — declaring
        // the others' would scope them to wherever this loop is when they are first given a value after it.)
        DeclareOuterGradients(body.Where(i => !(i.Op == OpKind.Carried && i.Region == loop.Id)), flowing.Select(c => yield.Operands[c.Index]), i => Inside(i, loop.Id), before);

        // ∂L/∂(carried value after the iteration): from the loop's result for the last iteration.
        var next = new Dictionary<int, string>();
        foreach (var value in flowing)
        {
            var name = Naming.Unique(Naming.Gradient(value.Name) + "Next", _taken);
            next[value.Index] = name;
            if (results.TryGetValue(value.Index, out var result) && _active[result.Id] && _declared.Contains(result.Id))
            {
                before.Add(new AssignGradient(name, Gradient(result.Id), Declares: true));
            }
            else
            {
                // Zero, shaped like the value after the last iteration (a body may change a carried tensor's shape).
                var shaped = results.TryGetValue(value.Index, out var last) && value.Type.Kind == ValueKind.Tensor ? last.Id : Differentiator.InitialValue(loop, value.Index);
                before.Add(Declare(shaped, name));
            }
        }

        _reads.Add(loop.Operands[0]);
        _reads.Add(loop.Operands[1]);
        var inner = new List<BackwardStatement>();
        DeclareBuilt(loop.Id, inner);
        foreach (var value in carried.Where(c => next.ContainsKey(c.Index)))
        {
            if (_active[value.Id] && _declared.Add(value.Id)) inner.Add(Declare(value.Id, Gradient(value.Id)));
        }
        foreach (var value in carried.Where(c => next.ContainsKey(c.Index)))
        {
            var yielded = yield.Operands[value.Index];
            if (_active[yielded]) inner.Add(Add(yielded, next[value.Index]));
        }
        Region(loop.Id, inner);
        foreach (var value in carried.Where(c => next.ContainsKey(c.Index)))
        {
            if (_active[value.Id])
            {
                inner.Add(new AssignGradient(next[value.Index], Gradient(value.Id), Declares: false));
            }
            else
            {
                // The body does not read the carried value: the earlier iteration's yield (or the initial value) gets nothing.
                var zero = Naming.Unique(Naming.Gradient(value.Name) + "Zero", _taken);
                inner.Add(Declare(value.Id, zero));
                inner.Add(new AssignGradient(next[value.Index], zero, Declares: false));
            }
        }
        // A loop that tests a condition records every iteration, if only to know how many ran.
        if (loop.IsConditionalLoop || body.Any(i => _reads.Contains(i.Id) && i.Op is not (OpKind.Constant or OpKind.LoopIndex) || _tapes.Contains(i.Id))) _tapes.Add(loop.Id);

        // The first iteration's carried-in gradient (or the result's, after no iteration) belongs to the initial value.
        foreach (var value in carried.Where(c => next.ContainsKey(c.Index)))
        {
            var initial = Differentiator.InitialValue(loop, value.Index);
            if (_active[initial]) after.Add(Add(initial, next[value.Index]));
        }
        statements.Add(new ReverseLoop(loop.Id, before.ToEquatableArray(), inner.ToEquatableArray(), after.ToEquatableArray()));
    }

    /// <summary>A branch in reverse: each merged value's gradient goes to what the branch taken yielded.</summary>
    private void Branch(Instruction branch, List<BackwardStatement> statements)
    {
        var otherwise = Differentiator.ElseOf(branch, _instructions);
        bool InBranch(Instruction i) => Inside(i, branch.Id) || Inside(i, otherwise.Id);
        var inside = _instructions.Where(InBranch).ToList();
        var results = _instructions.Where(i => i.Op == OpKind.IfResult && i.Operands[0] == branch.Id && _active[i.Id] && _declared.Contains(i.Id)).ToList();
        if (results.Count == 0) return; // no gradient flows into this branch

        // Gradients of outer values either branch adds into: declared before the branch. A side adds into what it yields
        // only for the results a gradient flows into (Side below): the yields of a dead result add nothing, and declaring
        // their gradients here would scope them to this branch when they are first given a value after it.
        var before = new List<BackwardStatement>();
        var yields = new[] { Differentiator.YieldOf(branch, _instructions), Differentiator.YieldOf(otherwise, _instructions) };
        DeclareOuterGradients(inside, yields.SelectMany(y => results.Select(result => y.Operands[result.Index])), InBranch, before);

        List<BackwardStatement> Side(Instruction owner, Instruction yield)
        {
            var side = new List<BackwardStatement>();
            DeclareBuilt(owner.Id, side);
            foreach (var result in results)
            {
                var yielded = yield.Operands[result.Index];
                if (_active[yielded]) side.Add(Add(yielded, Gradient(result.Id)));
            }
            Region(owner.Id, side);
            return side;
        }

        _reads.Add(branch.Operands[0]);
        var then = Side(branch, yields[0]);
        var @else = Side(otherwise, yields[1]);
        statements.Add(new BranchBlock(branch.Id, before.ToEquatableArray(), then.ToEquatableArray(), @else.ToEquatableArray()));
    }

    private bool Inside(Instruction instruction, int region) => Differentiator.IsWithin(instruction, region, _instructions);

    /// <summary>
    /// Declares, before a region, the gradients of the outer values that its instructions (or its yields) add into:
    /// they must live across the region's iterations or branches.
    /// </summary>
    private void DeclareOuterGradients(IEnumerable<Instruction> inside, IEnumerable<int> yielded, System.Func<Instruction, bool> isInside, List<BackwardStatement> before)
    {
        var sources = inside.Where(i => _active[i.Id]).SelectMany(i => Differentiator.GradientSources(i, _instructions)).Concat(yielded);
        foreach (var source in sources)
        {
            if (_active[source] && !isInside(_instructions[source]) && _declared.Add(source)) before.Add(Declare(source, Gradient(source)));
        }
    }

    /// <summary>Adds a gradient into a value's gradient, declaring it on the first contribution.</summary>
    private BackwardStatement Add(int value, string from)
    {
        var target = Gradient(value);
        var first = _declared.Add(value);
        if (first && _instructions[value].Type.Kind == ValueKind.Tensor)
        {
            // A tensor's first contribution is a copy into a fresh buffer: `from` may be the caller's or another iteration's.
            return new Sequence(new BackwardStatement[] { Declare(value, target), new AddGradient(value, target, from, Declares: false) }.ToEquatableArray());
        }
        return Wanted(value, new AddGradient(value, target, from, first));
    }

    /// <summary>
    /// A statement that adds into a tensor parameter's gradient runs only when the caller wants that gradient (passes it
    /// non-null): the calling convention lets a caller pass null for a gradient it does not want.
    /// </summary>
    private BackwardStatement Wanted(int value, BackwardStatement statement) =>
        _instructions[value] is { Op: OpKind.Parameter, Type.Kind: ValueKind.Tensor } ? new IfWanted(_gradients[value], statement) : statement;

    private DeclareGradient Declare(int value, string name)
    {
        if (_instructions[value].Type.Kind is ValueKind.Tensor or ValueKind.Container) _reads.Add(value); // the buffer takes the value's shape
        return new DeclareGradient(value, name);
    }
}
