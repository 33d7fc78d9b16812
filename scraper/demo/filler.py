"""Deterministic filler for the demo site's generated articles.

Every choice comes from `stable_int` (SHA-256 of the inputs), never from `hash()` or an
unseeded `random`, so the site is byte-identical across runs, processes and Python versions.
"""

from __future__ import annotations

import hashlib
import re
from datetime import datetime, timedelta

from scraper.demo.seeds import Block, BlockKind, Step

_KEYWORD_SPLIT = re.compile(r"[::,,??!!;;、()()“”\"\s—\-]+")
_CN_NUMERALS = "一二三四五六七八九十"
# Generated dates fall in the first half of 2024, Beijing time, like the seeds.
_DATE_START = datetime(2024, 1, 1)  # naive on purpose: the wall time the page shows
_DATE_SPAN_SECONDS = 182 * 24 * 3600  # 2024-01-01 00:00:00 to 2024-06-30 23:59:59

_OPENINGS = (
    (
        "近年来,随着移动支付和消费金融的快速普及,“{topic}”逐渐成为不少网友关注的话题。"
        "很多用户在搜索相关信息时,常常会看到各种说法,真假难辨。本文结合公开资料和网友反馈,"
        "围绕{topic}做一个简单梳理,希望对大家有所帮助。"
    ),
    (
        "据不完全统计,2024年以来,与“{second}”相关的咨询量明显上升。不少用户表示,网上的信息"
        "良莠不齐,希望能看到更加清晰、实用的说明。下面我们就从实际需求出发,围绕{topic}"
        "对常见问题逐一进行解答。"
    ),
    (
        "最近有不少读者在后台留言,询问{topic}的具体情况。为了方便大家了解,小编整理了"
        "目前能够查到的官方说明和用户经验,内容仅供参考,具体以平台实际规则为准。"
    ),
)
_MIDDLES = (
    (
        "首先需要明确的是,{topic}并不是一件复杂的事情。只要了解平台的基本规则,按照官方渠道"
        "给出的指引操作,大部分问题都可以顺利解决。需要注意的是,不同平台、不同时期的政策可能"
        "会有所调整,具体以官方最新公布的信息为准。"
    ),
    (
        "从用户反馈来看,关于{topic}的疑问主要集中在三个方面:一是流程是否繁琐,二是费用是否"
        "透明,三是个人信息是否安全。针对这些问题,建议大家在操作前仔细阅读相关协议条款,"
        "必要时可以咨询官方客服。"
    ),
    (
        "值得一提的是,“{second}”也是很多人关心的内容。业内人士表示,用户在选择服务时应当优先"
        "考虑资质齐全、口碑良好的正规平台,不要轻信来路不明的广告和链接,以免造成不必要的损失。"
    ),
    (
        "在实际操作中,有网友分享了自己的经验:提前准备好身份证明、绑定的手机号码以及常用的"
        "银行卡,可以大大节省时间。如果遇到页面无法打开、提交失败等情况,可以稍后重试,"
        "或者更换网络环境后再次尝试。"
    ),
    (
        "另外,{topic}还可能涉及个人信用记录。按时履约有助于积累良好的信用,而逾期或违规操作"
        "则可能对日后的贷款、分期等金融业务产生影响。因此,大家在享受便利的同时,也要量力而行,"
        "合理规划个人财务。"
    ),
    (
        "对于第一次接触{topic}的用户来说,最常见的误区是只看宣传不看细则。一些平台会在显眼位置"
        "突出“零门槛”“秒到账”等字样,却把手续费、服务费等关键信息放在不起眼的位置。"
        "建议大家多比较几家,再做决定。"
    ),
    (
        "有关部门也多次提醒,消费者应提高风险防范意识,警惕以“{topic}”为名义的各类套路。"
        "一旦发现自己的合法权益受到侵害,应及时保留聊天记录、转账凭证等证据,"
        "并通过官方投诉渠道或向监管部门反映。"
    ),
)
_CLOSINGS = (
    (
        "总的来说,{topic}既有便利的一面,也存在一定的风险。只要选择正规渠道、了解清楚规则、"
        "保护好个人信息,大多数用户都能够顺利完成相关操作,享受到数字化服务带来的便利。"
    ),
    (
        "以上就是关于“{title}”的全部内容。如果你还有其他疑问,欢迎在评论区留言,"
        "我们会持续关注{topic}的最新动态,及时为大家更新。"
    ),
)
_PROCEDURE_HEADINGS = ("{topic}的操作步骤", "具体办理流程", "详细操作方法如下")
# In order: a procedure keeps them in this order, so steps read sensibly whatever is left out.
_STEPS = (
    (
        "打开官方应用",
        "在手机应用商店搜索并下载官方APP,或直接访问官方网站,确认来源可靠后再进行下一步操作。",
    ),
    ("登录个人账户", "使用注册时绑定的手机号码登录账户,如果忘记密码,可以通过短信验证码重新设置。"),
    (
        "进入服务页面",
        "在首页或“我的”页面中找到与{topic}相关的入口,部分版本可能位于“更多服务”栏目下。",
    ),
    ("填写相关信息", "按照页面提示如实填写所需信息,提交前请仔细核对,避免因信息有误导致办理失败。"),
    ("确认费用与条款", "仔细阅读页面展示的费用说明和服务协议,确认无误后再勾选同意,切勿盲目操作。"),
    ("提交并等待审核", "提交申请后,系统一般会在几分钟到一个工作日内给出结果,期间请保持手机畅通。"),
    ("查看办理结果", "审核完成后,可以在订单或记录页面查看办理结果,如有疑问可联系在线客服咨询。"),
    (
        "保存相关凭证",
        "办理完成后建议截图保存相关页面和订单编号,以便日后查询或在出现纠纷时作为凭证。",
    ),
)
_NOTICE_HEADINGS = ("注意事项", "注意事项:", "温馨提示")
_NOTICES = (
    "请务必通过官方渠道办理{topic}相关业务,不要向陌生人透露验证码、密码等敏感信息。",
    "凡是要求先交“保证金”“解冻费”的,基本可以判定为诈骗,请立即停止操作并报警。",
    "办理过程中如遇到问题,应优先联系平台官方客服,不要拨打搜索引擎中来源不明的电话。",
    "合理评估自身还款能力,避免多头借贷和过度消费,以免影响个人征信。",
    "本文内容仅供参考,不构成任何投资或借贷建议,具体规则请以平台官方最新公布的信息为准。",
)
_PROCEDURE_KINDS: tuple[BlockKind, ...] = ("ordered_list", "numbered_paragraphs", "step_headings")


def stable_int(*parts: str) -> int:
    """A non-negative int derived from SHA-256 of the parts: the same in every process."""
    digest = hashlib.sha256("\x1f".join(parts).encode("utf-8")).digest()
    return int.from_bytes(digest[:8], "big")


def stable_hex(*parts: str, length: int = 16) -> str:
    """The first `length` hex digits of SHA-256 of the parts."""
    return hashlib.sha256("\x1f".join(parts).encode("utf-8")).hexdigest()[:length]


def keywords(title: str) -> list[str]:
    """The title's phrases split at punctuation, e.g. "京东E卡回收:如何变现" → both halves."""
    words = [part for part in _KEYWORD_SPLIT.split(title) if len(part) >= 2]
    return words or [title.strip() or "本文"]


def publish_raw(title: str) -> str:
    """A deterministic publish time in the first half of 2024, shown as Beijing wall time."""
    seconds = stable_int("date", title) % _DATE_SPAN_SECONDS
    return (_DATE_START + timedelta(seconds=seconds)).strftime("%Y-%m-%d %H:%M:%S")


def article_blocks(title: str) -> tuple[Block, ...]:
    """The body of a generated article: 3–5 paragraphs, maybe a procedure, a notice section."""
    words = keywords(title)
    fill = {"topic": words[0], "second": words[1] if len(words) > 1 else words[0], "title": title}
    middles = _pick_ordered(title, "middle", len(_MIDDLES), 1 + stable_int("nmid", title) % 3)
    blocks = [_para(_OPENINGS[stable_int("open", title) % len(_OPENINGS)], fill)]
    blocks.extend(_para(_MIDDLES[i], fill) for i in middles[:1])
    # About a third of the articles carry a short procedure.
    if stable_int("procedure", title) % 3 == 0:
        heading = _PROCEDURE_HEADINGS[stable_int("prochead", title) % len(_PROCEDURE_HEADINGS)]
        blocks.append(Block("heading", text=heading.format_map(fill)))
        blocks.append(_procedure(title, fill))
    blocks.extend(_para(_MIDDLES[i], fill) for i in middles[1:])
    notice_heading = _NOTICE_HEADINGS[stable_int("nhead", title) % len(_NOTICE_HEADINGS)]
    blocks.append(Block("heading", text=notice_heading))
    notices = _pick_ordered(title, "notice", len(_NOTICES), 2 + stable_int("nnote", title) % 2)
    blocks.extend(_para(_NOTICES[i], fill) for i in notices)
    blocks.append(_para(_CLOSINGS[stable_int("close", title) % len(_CLOSINGS)], fill))
    return tuple(blocks)


def _para(template: str, fill: dict[str, str]) -> Block:
    return Block("paragraph", text=template.format_map(fill))


def _pick_ordered(title: str, salt: str, size: int, count: int) -> list[int]:
    """`count` distinct indexes below `size`, chosen by hash, returned in ascending order."""
    ranked = sorted(range(size), key=lambda i: stable_int(salt, title, str(i)))
    return sorted(ranked[:count])


def _procedure(title: str, fill: dict[str, str]) -> Block:
    kind = _PROCEDURE_KINDS[stable_int("prockind", title) % len(_PROCEDURE_KINDS)]
    chosen = _pick_ordered(title, "steps", len(_STEPS), 3 + stable_int("nsteps", title) % 3)
    steps: list[Step] = []
    for number, index in enumerate(chosen, start=1):
        heading, text = _STEPS[index]
        text = text.format_map(fill)
        if kind == "ordered_list":
            steps.append(Step(number, "", heading, ":", "", text))
        elif kind == "numbered_paragraphs":
            steps.append(Step(number, f"{number}、", heading, ":", "", text))
        else:
            marker = f"第{_CN_NUMERALS[number - 1]}步:"
            steps.append(Step(number, marker, heading, "", "", text))
    return Block(kind, steps=tuple(steps))
