"""The note type's templates carry the three web files and the start call as ONE inline script.

Between separate scripts the HTML parser yields after the long engine and the browser renders a frame
before it comes back (bench/template_phone.py: about 16 ms of a throttled phone's start-up); one script
runs straight through. Each file still has its own try, so one that throws leaves the others running."""

from __future__ import annotations

from addon.core import notetype as spec


def test_one_script_with_each_file_in_its_own_try_then_the_start_call() -> None:
    for side, template in (("question", spec.QUESTION_TEMPLATE), ("answer", spec.ANSWER_TEMPLATE)):
        live = template[template.index('<template id="cc-compute">'):]
        assert live.count("<script>") == 1 and live.count("</script>") == 1
        body = live[live.index("<script>") + len("<script>"):live.index("</script>")]
        at = [body.index(spec._web_asset(name)) for name in spec.TEMPLATE_SCRIPTS]
        assert at == sorted(at)  # in load order
        for name in spec.TEMPLATE_SCRIPTS:
            part = "try {\n" + spec._web_asset(name) + "\n} catch (e) { setTimeout(function () { throw e; }, 0); }\n"
            assert part in body
        assert body.rstrip().endswith(f'ComputeCardsTemplate.start("{side}");')
