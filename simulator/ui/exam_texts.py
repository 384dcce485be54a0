"""The exam page's messages (zh, en), registered in the message catalog when imported.

Kept in code, as the exam service keeps its own (:mod:`simulator.exams`), so they arrive with the page.
"""

from __future__ import annotations

from simulator.i18n import register

TEXTS: dict[str, tuple[str, str]] = {
    "exam.page.intro": (
        "输入老师给出的考试码和你的学号进入模拟考试。计时以服务器时间为准,每道题作答后自动保存;刷新页面或断"
        "线后用同一考试码和学号进入即可继续。",
        "Enter the exam code from your instructor and your trainee ID. The server's clock keeps the time "
        "and every answer is saved as you go; after a reload or a lost connection, join again with the "
        "same code and ID to continue.",
    ),
    "exam.page.join_title": ("进入考试", "Join the exam"),
    "exam.page.code": ("考试码", "Exam code"),
    "exam.page.code_hint": ("例如 AB3K7PQ9", "e.g. AB3K7PQ9"),
    "exam.page.join_note": ("考试码不区分大小写。", "Exam codes are not case-sensitive."),
    "exam.page.join": ("进入考试", "Join"),
    "exam.page.need_code_id": ("请填写考试码和学号。", "Enter the exam code and your trainee ID."),
    "exam.page.who": ("考生:{who} · 考试码 {code}", "Trainee: {who} · exam code {code}"),
    "exam.page.leave": ("退出", "Leave"),
    "exam.page.leave_help": (
        "答案已保存在服务器上;计时不会暂停。",
        "Your answers stay saved on the server; the clock does not stop.",
    ),
    "exam.page.how": (
        "每道题修改后(按回车或点击别处)自动保存,看到“已保存”即表示答案已存入服务器。数字可写作 3.45%、"
        "0.0345 或 1,234.5;表格题请上传 CSV 或 XLSX。",
        "Each answer is saved when you change it (press Enter or click elsewhere); “Saved” means the "
        "server has stored it. Numbers may be written 3.45%, 0.0345 or 1,234.5; upload tables as CSV or "
        "XLSX.",
    ),
    "exam.page.tab_tasks": ("试题", "Tasks"),
    "exam.page.tab_data": ("数据与下载", "Data and downloads"),
    "exam.page.time_left": ("剩余时间 {left}", "Time left {left}"),
    "exam.page.deadline": ("截止时间 {time}(以服务器时间为准)", "Ends at {time} (server time decides)"),
    "exam.page.handed_in": ("已交卷({time})。答案已锁定。", "Handed in ({time}). Your answers are locked."),
    "exam.page.timed_out": (
        "考试时间已到({time}),答案已锁定并自动交卷。",
        "Time is up ({time}): your answers are locked and handed in.",
    ),
    "exam.page.late_refused": (
        "答题时间已到或已交卷:最后一次修改没有保存,页面显示的是已保存的答案。",
        "Time is up or you have handed in: the last change was not saved; the page shows your saved answers.",
    ),
    "exam.page.saved": ("已保存 {time}", "Saved {time}"),
    "exam.page.saved_file": ("文件 {name}", "file {name}"),
    "exam.page.not_answered": ("尚未作答", "Not answered yet"),
    "exam.page.not_saved_fix": (
        "未保存:文件无法读取,请按提示修改后重新上传。",
        "Not saved: the file cannot be read; fix it as described and upload it again.",
    ),
    "exam.page.save_failed": (
        "暂时无法保存这道题的答案,请点击“重新保存”;如仍失败请告诉监考老师。",
        "This answer could not be saved just now: click “Save again”; if it still fails, tell the "
        "invigilator.",
    ),
    "exam.page.retry_save": ("重新保存", "Save again"),
    "exam.page.hand_in": ("交卷", "Hand in"),
    "exam.page.confirm": (
        "确定现在交卷吗?已作答 {answered} / {total} 题。交卷后答案不能再修改。",
        "Hand in now? {answered} of {total} tasks answered. After handing in, answers cannot change.",
    ),
    "exam.page.confirm_yes": ("确认交卷", "Yes, hand in"),
    "exam.page.confirm_no": ("继续作答", "Keep working"),
    "exam.page.results": ("成绩", "Results"),
    "exam.page.grading": ("正在评分…", "Grading…"),
    "exam.page.results_later": (
        "成绩将在老师发布后显示。",
        "Your results appear once the instructor releases them.",
    ),
    "exam.page.refresh": ("刷新", "Refresh"),
    "exam.page.result_failed": (
        "成绩暂时无法显示,请稍后刷新或告诉老师。",
        "Results cannot be shown just now: refresh later or tell your instructor.",
    ),
    "exam.page.score": ("得分", "Score"),
    "exam.page.pending_manual": (
        "文字题正在由老师评分,总分可能还会变化。",
        "Written answers are still being marked by instructors; the total may change.",
    ),
}
"""Catalog key → (zh, en)."""

register({key: {"zh": zh, "en": en} for key, (zh, en) in TEXTS.items()})
