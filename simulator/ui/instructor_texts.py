"""The instructor workspace's messages (zh, en), registered in the message catalog when imported.

Kept in code, as the exam service keeps its own (:mod:`simulator.exams`), so they arrive with the pages.
"""

from __future__ import annotations

from simulator.i18n import register

TEXTS: dict[str, tuple[str, str]] = {
    "instructor.section": ("工作区", "Workspace"),
    "instructor.section.author": ("出题", "Authoring"),
    "instructor.section.exams": ("考试", "Exams"),
    "instructor.section.monitor": ("监考", "Monitoring"),
    "instructor.section.results": ("成绩", "Results"),
    "instructor.section.grading": ("人工评分", "Manual grading"),
    "instructor.section.regrade": ("重新评分", "Regrading"),
    "instructor.policy.release": ("教师发布后可见", "Hidden until released"),
    "instructor.policy.instant": ("交卷后立即可见", "Instant after hand-in"),
    "instructor.auth.setup_intro": (
        "首次使用:请设置教师密码(至少 8 个字符)。服务器只保存密码的散列值。也可以用环境变量 "
        "SIMULATOR_INSTRUCTOR_PASSWORD 设置。",
        "First run: choose the instructor password (at least 8 characters). Only its hash is stored. It "
        "can also be set with the SIMULATOR_INSTRUCTOR_PASSWORD environment variable.",
    ),
    "instructor.auth.new_password": ("新密码", "New password"),
    "instructor.auth.repeat_password": ("再次输入密码", "Repeat the password"),
    "instructor.auth.setup": ("设置密码并登录", "Set the password and log in"),
    "instructor.auth.mismatch": ("两次输入的密码不一致。", "The two passwords differ."),
    "instructor.auth.password": ("教师密码", "Instructor password"),
    "instructor.auth.login": ("登录", "Log in"),
    "instructor.auth.note": (
        "教师工作台仅限教师使用;登录 8 小时后需重新登录。",
        "The workspace is for instructors only; a login lasts 8 hours.",
    ),
    "instructor.auth.logout": ("退出登录", "Log out"),
    "instructor.author.intro": (
        "在下方编辑情景文件(YAML)。每次修改后立即校验,问题按“文件:行号: 字段: 说明”列出;有效后可预览数据和"
        "某个学号的答案、自检、保存为新版本或导出文件。",
        "Edit the scenario file (YAML) below. It is checked after every change and problems are listed as "
        "“file:line: field: message”; once valid, preview the data and the key for a trainee ID, self-test "
        "it, save it as a new version or export it.",
    ),
    "instructor.author.shipped": ("复制内置情景", "Clone a shipped scenario"),
    "instructor.author.choose": ("请选择", "Choose"),
    "instructor.author.clone": ("复制到编辑器", "Copy into the editor"),
    "instructor.author.saved": ("打开已保存的版本", "Open a saved version"),
    "instructor.author.version_label": ("{id} 第 {v} 版", "{id} version {v}"),
    "instructor.author.open": ("打开", "Open"),
    "instructor.author.editor": ("情景文件(YAML)", "Scenario file (YAML)"),
    "instructor.author.invalid": ("发现 {n} 个问题:", "{n} problem(s) found:"),
    "instructor.author.valid": (
        "情景有效:{id},{n} 道题,共 {points} 分。",
        "Valid scenario: {id}, {n} tasks, {points} points.",
    ),
    "instructor.author.sample_id": ("示例学号", "Sample trainee ID"),
    "instructor.author.show_preview": ("预览数据和答案", "Preview the data and the key"),
    "instructor.author.preview_failed": (
        "无法生成预览,请检查情景的数据设置。",
        "The preview could not be made: check the scenario's data settings.",
    ),
    "instructor.author.key": ("学号 {id} 的答案(仅教师可见)", "Answer key for {id} (instructors only)"),
    "instructor.author.selftest": ("自检", "Self-test"),
    "instructor.author.selftesting": ("正在自检…", "Self-testing…"),
    "instructor.author.selftest_ok": (
        "自检通过({n} 个学号):答案得满分,扰动后得分降低,格式错误判为无效。",
        "Self-test passed ({n} trainee IDs): the key scores full marks, a perturbed key less, malformed "
        "answers are invalid.",
    ),
    "instructor.author.selftest_bad": ("自检发现 {n} 个问题:", "The self-test found {n} problem(s):"),
    "instructor.author.selftest_failed": (
        "自检无法运行,请检查情景。",
        "The self-test could not run: check the scenario.",
    ),
    "instructor.author.author": ("作者", "Author"),
    "instructor.author.save": ("保存为新版本", "Save as a new version"),
    "instructor.author.save_failed": ("保存失败,请稍后重试。", "Saving failed: try again later."),
    "instructor.author.saved_as": ("已保存为 {id} 第 {v} 版。", "Saved as {id} version {v}."),
    "instructor.author.export": ("导出为文件", "Export as a file"),
    "instructor.author.versions": ("已保存的版本", "Saved versions"),
    "instructor.author.no_versions": ("还没有保存过版本。", "No saved versions yet."),
    "instructor.col.code": ("考试码", "Code"),
    "instructor.col.title": ("名称", "Title"),
    "instructor.col.scenario": ("情景", "Scenario"),
    "instructor.col.version": ("版本", "Version"),
    "instructor.col.minutes": ("时长(分钟)", "Minutes"),
    "instructor.col.opens": ("开始", "Opens"),
    "instructor.col.closes": ("关闭", "Closes"),
    "instructor.col.policy": ("成绩公布", "Results"),
    "instructor.col.released": ("已发布", "Released"),
    "instructor.col.roster": ("名单人数", "Roster"),
    "instructor.col.created": ("创建时间", "Created"),
    "instructor.col.left": ("剩余时间", "Time left"),
    "instructor.col.answered": ("已答题数", "Answered"),
    "instructor.col.started": ("开始作答", "Started"),
    "instructor.col.kind": ("题型", "Kind"),
    "instructor.exams.new": ("新建考试", "New exam"),
    "instructor.exams.source": ("情景(文件或已保存的版本)", "Scenario (file or saved version)"),
    "instructor.exams.no_sources": ("没有可用的情景。", "No scenario is available."),
    "instructor.exams.minutes": ("考试时长(分钟)", "Duration (minutes)"),
    "instructor.exams.title": (
        "考试名称(可不填,默认用情景标题)",
        "Exam title (optional: the scenario's title)",
    ),
    "instructor.exams.open_now": ("立即开放", "Open now"),
    "instructor.exams.opens": ("开放日期", "Opens on"),
    "instructor.exams.set_close": (
        "设置关闭时间(之后不能再开始或作答)",
        "Set a closing time (no start or answer after it)",
    ),
    "instructor.exams.closes": ("关闭日期", "Closes on"),
    "instructor.exams.time": ("时间", "Time"),
    "instructor.exams.roster": ("考生名单(可选)", "Roster (optional)"),
    "instructor.exams.roster_help": (
        "CSV、TXT 或 XLSX,每行“学号,姓名”,可带表头。不上传则任何知道考试码的人都可进入。",
        "CSV, TXT or XLSX, one “id,name” per line, a header allowed. Without a roster anyone with the code "
        "may join.",
    ),
    "instructor.exams.roster_ok": ("名单共 {n} 人。", "{n} trainees on the roster."),
    "instructor.exams.roster_bad": (
        "名单无法读取或为空:请每行写“学号,姓名”。",
        "The roster is unreadable or empty: write “id,name” on each line.",
    ),
    "instructor.exams.policy": ("成绩公布方式", "Feedback policy"),
    "instructor.exams.create": ("创建考试", "Create the exam"),
    "instructor.exams.created": ("考试已创建,考试码:{code}", "Exam created; its code: {code}"),
    "instructor.exams.none": ("还没有考试,请先在“考试”中新建。", "No exams yet: create one under “Exams”."),
    "instructor.exams.pick": ("考试", "Exam"),
    "instructor.exams.release": ("发布成绩", "Release results"),
    "instructor.exams.unrelease": ("撤回成绩", "Hide results again"),
    "instructor.exams.released": (
        "成绩已发布,考生交卷后可查看。",
        "Results are released: trainees see them after handing in.",
    ),
    "instructor.exams.hidden": (
        "成绩尚未发布,考生暂时看不到。",
        "Results are not released: trainees cannot see them yet.",
    ),
    "instructor.exams.instant_note": (
        "本场考试交卷后立即显示成绩。",
        "This exam shows results right after hand-in.",
    ),
    "instructor.monitor.note": (
        "每 5 秒自动刷新 · 服务器时间 {time}",
        "Refreshes every 5 seconds · server time {time}",
    ),
    "instructor.results.grading": ("正在评分…", "Grading…"),
    "instructor.results.graded": ("已评分", "Graded"),
    "instructor.results.mean": ("平均分", "Mean"),
    "instructor.results.pass_rate": ("及格率", "Pass rate"),
    "instructor.results.pending": ("待人工评分", "Awaiting raters"),
    "instructor.results.distribution": ("成绩分布", "Score distribution"),
    "instructor.results.count": ("人数", "Trainees"),
    "instructor.results.mastery": ("各技能掌握度(得分率)", "Mastery per skill (share of points)"),
    "instructor.results.items": ("题目分析", "Item analysis"),
    "instructor.results.items_note": (
        "满分率:得满分的人数占比;区分度:总分前 27% 与后 27% 考生在该题得分率之差(0.3 以上较好,低于 0.2 宜修"
        "改题目)。",
        "Share correct: share with full marks. Discrimination: the task's score share in the top 27 % by "
        "total minus the bottom 27 % (above 0.3 is good; below 0.2 suggests revising the task).",
    ),
    "instructor.results.share_correct": ("满分率", "Share correct"),
    "instructor.results.discrimination": ("区分度", "Discrimination"),
    "instructor.results.gradebook": ("成绩册", "Gradebook"),
    "instructor.results.csv": ("下载成绩册 CSV", "Download the gradebook (CSV)"),
    "instructor.results.xlsx": ("下载成绩册 XLSX", "Download the gradebook (XLSX)"),
    "instructor.results.trainee": ("考生", "Trainee"),
    "instructor.results.no_answer": ("(未作答)", "(no answer)"),
    "instructor.results.file": ("上传文件 {name}({kb} KB)", "Uploaded file {name} ({kb} KB)"),
    "instructor.results.download_file": ("下载考生上传的文件", "Download the uploaded file"),
    "instructor.results.not_graded": ("尚未评分。", "Not graded yet."),
    "instructor.grading.none": ("本场考试没有文字题。", "This exam has no written tasks."),
    "instructor.grading.rule": (
        "文字题由 3 名或以上(奇数)评分人按评分要点独立评分,最终得分取中位数;分差过大时请讨论。",
        "Written tasks are marked independently by three or more raters (an odd number) against the "
        "rubric; the final score is the median. Discuss wide spreads.",
    ),
    "instructor.grading.rubric": ("评分要点", "Rubric"),
    "instructor.grading.nobody": ("还没有考生交卷。", "Nobody has handed in yet."),
    "instructor.grading.raters": ("评分人数", "Raters"),
    "instructor.grading.scores": ("各评分人给分", "Scores by rater"),
    "instructor.grading.final": ("最终得分(中位数)", "Final (median)"),
    "instructor.grading.spread": ("分差", "Spread"),
    "instructor.grading.answer": ("考生作答", "The trainee's answer"),
    "instructor.grading.rater": ("评分人", "Rater"),
    "instructor.grading.score": ("得分(0–{max})", "Score (0–{max})"),
    "instructor.grading.comment": ("评语(可选)", "Comment (optional)"),
    "instructor.grading.submit": ("提交评分", "Record the score"),
    "instructor.grading.final_now": (
        "已记录。{n} 名评分人,最终得分 {final}。",
        "Recorded. {n} raters; final score {final}.",
    ),
    "instructor.grading.need_more": (
        "已记录({n} 名评分人)。需 3 名或以上且为奇数的评分人才能确定最终得分。",
        "Recorded ({n} raters). A final score needs three or more raters, an odd number.",
    ),
    "instructor.grading.raters_line": ("评分人给分:{scores}", "Raters' scores: {scores}"),
    "instructor.regrade.intro": (
        "修正情景后,可按修正版本重新评定所有已交卷考生保存的原始答案;下表列出得分有变化的题目。人工评分不受"
        "影响。",
        "After fixing a scenario, regrade every handed-in attempt's stored raw answers against the fixed "
        "version; the table lists each task grade that changed. Raters' marks stay.",
    ),
    "instructor.regrade.source": ("按哪个情景版本评分", "Grade against"),
    "instructor.regrade.frozen": (
        "本场考试当前的情景(不替换)",
        "The exam's current scenario (no replacement)",
    ),
    "instructor.regrade.confirm": (
        "我确认要重新评分(会替换本场考试的情景副本)",
        "I want to regrade (this replaces the exam's copy of the scenario)",
    ),
    "instructor.regrade.run": ("重新评分", "Regrade"),
    "instructor.regrade.no_change": ("重新评分完成,没有得分变化。", "Regraded: no grade changed."),
    "instructor.regrade.changed": ("重新评分完成,{n} 项得分有变化:", "Regraded: {n} grade(s) changed:"),
    "instructor.regrade.old_score": ("原得分", "Old score"),
    "instructor.regrade.new_score": ("新得分", "New score"),
    "instructor.regrade.old_status": ("原结果", "Old status"),
    "instructor.regrade.new_status": ("新结果", "New status"),
}
"""Catalog key → (zh, en)."""

register({key: {"zh": zh, "en": en} for key, (zh, en) in TEXTS.items()})
