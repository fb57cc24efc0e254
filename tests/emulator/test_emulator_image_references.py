"""DescribeImageReferences, and ``LastLaunchedTime``.

Texts: the newest botocore model (DescribeImageReferences: "Describes your Amazon Web Services
resources that are referencing the specified images"; ``IncludeAllResourceTypes``,
``ResourceTypes``, ``ResourceTypeOption``: ``state-name`` "Default: All states", ``version-depth``
"The number of launch template versions to check, starting from the most recent version [...]
Default: 10"; ``Image.LastLaunchedTime`` and ``ImageAttribute.LastLaunchedTime``: "there is a
24-hour delay before that usage is reported") and seed 003 ("You must be the AMI owner to run
this command", the ``2022-02-10T02:03:18Z`` example). Systems Manager parameters and Image
Builder recipes are declared with the emulator's controls.
"""

from __future__ import annotations

import re
from datetime import timedelta
from typing import TYPE_CHECKING, Any

import boto3
import pytest
from botocore.exceptions import ClientError

from ec2_emulator import Ec2Emulator
from ec2_emulator.references import INSTANCE_STATES, RESOURCE_TYPES, VERSION_DEPTH_RANGE

if TYPE_CHECKING:
    from mypy_boto3_ec2 import EC2Client

ACCOUNT = "123456789012"
PARAMETER = f"arn:aws:ssm:us-east-1:{ACCOUNT}:parameter/golden/ami"
IMAGE_RECIPE = f"arn:aws:imagebuilder:us-east-1:{ACCOUNT}:image-recipe/web/1.0.0"
CONTAINER_RECIPE = f"arn:aws:imagebuilder:us-east-1:{ACCOUNT}:container-recipe/app/2.1.x"


def _error(error: pytest.ExceptionInfo[ClientError]) -> tuple[str, str]:
    details: Any = error.value.response["Error"]
    return str(details["Code"]), str(details["Message"])


def _references(ec2: EC2Client, image_ids: list[str], **kwargs: Any) -> list[tuple[str, ...]]:
    if "ResourceTypes" not in kwargs:
        kwargs["IncludeAllResourceTypes"] = True
    answer = ec2.describe_image_references(ImageIds=image_ids, **kwargs)
    return [(r["ImageId"], r["ResourceType"], r["Arn"]) for r in answer["ImageReferences"]]


def _instance(ec2: EC2Client, image_id: str) -> str:
    return ec2.run_instances(ImageId=image_id, MinCount=1, MaxCount=1)["Instances"][0]["InstanceId"]


def _instance_arn(instance_id: str) -> str:
    return f"arn:aws:ec2:us-east-1:{ACCOUNT}:instance/{instance_id}"


def _template_arn(template_id: str) -> str:
    return f"arn:aws:ec2:us-east-1:{ACCOUNT}:launch-template/{template_id}"


@pytest.fixture
def image_id(ec2: EC2Client) -> str:
    return ec2.register_image(Name="referenced")["ImageId"]


@pytest.fixture
def other_id(ec2: EC2Client) -> str:
    return ec2.register_image(Name="other")["ImageId"]


# -- instances ------------------------------------------------------------------------------------


def test_instances_launched_from_the_image_reference_it(
    ec2: EC2Client, image_id: str, other_id: str
) -> None:
    first, second = _instance(ec2, image_id), _instance(ec2, image_id)
    _instance(ec2, other_id)

    assert sorted(_references(ec2, [image_id])) == sorted(
        [
            (image_id, "ec2:Instance", _instance_arn(first)),
            (image_id, "ec2:Instance", _instance_arn(second)),
        ]
    )
    assert (
        _references(ec2, [image_id], ResourceTypes=[{"ResourceType": "ec2:LaunchTemplate"}]) == []
    )


def test_instances_of_every_state_are_checked_unless_states_are_given(
    ec2: EC2Client, image_id: str
) -> None:
    running = _instance(ec2, image_id)
    terminated = _instance(ec2, image_id)
    ec2.terminate_instances(InstanceIds=[terminated])
    only_running: Any = [
        {
            "ResourceType": "ec2:Instance",
            "ResourceTypeOptions": [{"OptionName": "state-name", "OptionValues": ["running"]}],
        }
    ]

    assert len(_references(ec2, [image_id], ResourceTypes=[{"ResourceType": "ec2:Instance"}])) == 2
    assert _references(ec2, [image_id], ResourceTypes=only_running) == [
        (image_id, "ec2:Instance", _instance_arn(running))
    ]
    # IncludeAllResourceTypes with ResourceTypes: "your specified values override the default".
    assert _references(
        ec2, [image_id], IncludeAllResourceTypes=True, ResourceTypes=only_running
    ) == [(image_id, "ec2:Instance", _instance_arn(running))]


def test_a_deregistered_image_is_still_referenced_by_its_instances(
    ec2: EC2Client, image_id: str
) -> None:
    instance = _instance(ec2, image_id)
    ec2.deregister_image(ImageId=image_id)

    assert _references(ec2, [image_id]) == [(image_id, "ec2:Instance", _instance_arn(instance))]


def test_an_id_that_is_no_image_has_no_references(ec2: EC2Client) -> None:
    assert _references(ec2, ["ami-0123456789abcdef0"]) == []


# -- launch templates -----------------------------------------------------------------------------


def test_a_launch_template_naming_the_image_references_it(
    ec2: EC2Client, image_id: str, other_id: str
) -> None:
    template = ec2.create_launch_template(
        LaunchTemplateName="web", LaunchTemplateData={"ImageId": image_id}
    )["LaunchTemplate"]["LaunchTemplateId"]
    ec2.create_launch_template_version(
        LaunchTemplateId=template, LaunchTemplateData={"ImageId": other_id}
    )

    # Both versions are among the 10 most recent: the template references both images, once each.
    assert _references(ec2, [image_id, other_id]) == [
        (image_id, "ec2:LaunchTemplate", _template_arn(template)),
        (other_id, "ec2:LaunchTemplate", _template_arn(template)),
    ]
    latest_only: Any = [
        {
            "ResourceType": "ec2:LaunchTemplate",
            "ResourceTypeOptions": [{"OptionName": "version-depth", "OptionValues": ["1"]}],
        }
    ]
    assert _references(ec2, [image_id, other_id], ResourceTypes=latest_only) == [
        (other_id, "ec2:LaunchTemplate", _template_arn(template))
    ]


def test_only_the_ten_most_recent_versions_are_checked_by_default(
    ec2: EC2Client, image_id: str, other_id: str
) -> None:
    template = ec2.create_launch_template(
        LaunchTemplateName="old", LaunchTemplateData={"ImageId": image_id}
    )["LaunchTemplate"]["LaunchTemplateId"]
    for _ in range(10):
        ec2.create_launch_template_version(
            LaunchTemplateId=template, LaunchTemplateData={"ImageId": other_id}
        )
    deeper: Any = [
        {
            "ResourceType": "ec2:LaunchTemplate",
            "ResourceTypeOptions": [{"OptionName": "version-depth", "OptionValues": ["11"]}],
        }
    ]

    assert _references(ec2, [image_id]) == []
    assert _references(ec2, [image_id], ResourceTypes=deeper) == [
        (image_id, "ec2:LaunchTemplate", _template_arn(template))
    ]


# -- Systems Manager parameters and Image Builder recipes (declared) ------------------------------


def test_declared_references_are_reported_for_their_types(
    ec2_emulator: Ec2Emulator, ec2: EC2Client, image_id: str
) -> None:
    ec2_emulator.declare_image_reference(image_id, "ssm:Parameter", PARAMETER)
    ec2_emulator.declare_image_reference(image_id, "imagebuilder:ImageRecipe", IMAGE_RECIPE)
    ec2_emulator.declare_image_reference(image_id, "imagebuilder:ContainerRecipe", CONTAINER_RECIPE)
    ec2_emulator.declare_image_reference(image_id, "ssm:Parameter", PARAMETER)  # no change
    instance = _instance(ec2, image_id)

    assert _references(ec2, [image_id]) == [
        (image_id, "ec2:Instance", _instance_arn(instance)),
        (image_id, "ssm:Parameter", PARAMETER),
        (image_id, "imagebuilder:ImageRecipe", IMAGE_RECIPE),
        (image_id, "imagebuilder:ContainerRecipe", CONTAINER_RECIPE),
    ]
    assert _references(ec2, [image_id], ResourceTypes=[{"ResourceType": "ssm:Parameter"}]) == [
        (image_id, "ssm:Parameter", PARAMETER)
    ]


def test_a_forgotten_reference_is_no_longer_reported(
    ec2_emulator: Ec2Emulator, ec2: EC2Client, image_id: str, other_id: str
) -> None:
    """A parameter updated to a newer AMI."""
    ec2_emulator.declare_image_reference(image_id, "ssm:Parameter", PARAMETER)

    ec2_emulator.forget_image_reference(image_id, "ssm:Parameter", PARAMETER)
    ec2_emulator.declare_image_reference(other_id, "ssm:Parameter", PARAMETER)

    assert _references(ec2, [image_id]) == []
    assert _references(ec2, [other_id]) == [(other_id, "ssm:Parameter", PARAMETER)]
    with pytest.raises(KeyError):
        ec2_emulator.forget_image_reference(image_id, "ssm:Parameter", PARAMETER)


def test_declared_references_belong_to_their_region(
    ec2_emulator: Ec2Emulator, ec2: EC2Client, image_id: str
) -> None:
    europe_parameter = f"arn:aws:ssm:eu-west-1:{ACCOUNT}:parameter/golden/ami"
    ec2_emulator.declare_image_reference(
        image_id, "ssm:Parameter", europe_parameter, region="eu-west-1"
    )

    assert _references(ec2, [image_id]) == []
    assert _references(ec2_emulator.client("eu-west-1"), [image_id]) == [
        (image_id, "ssm:Parameter", europe_parameter)
    ]


@pytest.mark.parametrize(
    ("image", "resource_type", "arn"),
    [
        ("ami-0123456789abcdef0", "ec2:Instance", _instance_arn("i-0123456789abcdef0")),
        ("ami-0123456789abcdef0", "ssm:Parameter", IMAGE_RECIPE),
        ("ami-0123456789abcdef0", "imagebuilder:ImageRecipe", CONTAINER_RECIPE),
        ("ami-0123456789abcdef0", "imagebuilder:ImageRecipe", IMAGE_RECIPE + "/extra"),
        ("snap-0123456789abcdef0", "ssm:Parameter", PARAMETER),
    ],
)
def test_a_declaration_must_be_of_a_declared_type_with_its_arn(
    ec2_emulator: Ec2Emulator, image: str, resource_type: str, arn: str
) -> None:
    with pytest.raises(ValueError):
        ec2_emulator.declare_image_reference(image, resource_type, arn)


# -- the request ----------------------------------------------------------------------------------


def test_the_resource_types_must_be_given(ec2: EC2Client, image_id: str) -> None:
    with pytest.raises(ClientError) as error:
        ec2.describe_image_references(ImageIds=[image_id])

    code, message = _error(error)
    assert code == "MissingParameter"
    assert "IncludeAllResourceTypes or ResourceTypes" in message


@pytest.mark.parametrize(
    "resource_types",
    [
        [{"ResourceType": "ssm:Parameter", "ResourceTypeOptions": [{"OptionName": "state-name"}]}],
        [
            {
                "ResourceType": "ec2:Instance",
                "ResourceTypeOptions": [{"OptionName": "version-depth", "OptionValues": ["2"]}],
            }
        ],
        [
            {
                "ResourceType": "ec2:Instance",
                "ResourceTypeOptions": [{"OptionName": "state-name", "OptionValues": ["gone"]}],
            }
        ],
        [
            {
                "ResourceType": "ec2:LaunchTemplate",
                "ResourceTypeOptions": [{"OptionName": "version-depth", "OptionValues": ["0"]}],
            }
        ],
        [
            {
                "ResourceType": "ec2:LaunchTemplate",
                "ResourceTypeOptions": [{"OptionName": "version-depth", "OptionValues": ["10001"]}],
            }
        ],
    ],
)
def test_options_must_fit_their_type(ec2: EC2Client, image_id: str, resource_types: Any) -> None:
    with pytest.raises(ClientError) as error:
        ec2.describe_image_references(ImageIds=[image_id], ResourceTypes=resource_types)

    assert _error(error)[0] == "InvalidParameterValue"


def test_image_ids_are_checked(ec2: EC2Client) -> None:
    with pytest.raises(ClientError) as too_many:
        _references(ec2, [f"ami-{n:017x}" for n in range(11)])
    with pytest.raises(ClientError) as malformed:
        _references(ec2, ["snap-0123456789abcdef0"])

    assert _error(too_many)[0] == "InvalidParameterValue"
    assert _error(malformed)[0] == "InvalidAMIID.Malformed"


def test_references_are_paginated(ec2: EC2Client, image_id: str) -> None:
    instances = {_instance(ec2, image_id) for _ in range(7)}

    first = ec2.describe_image_references(
        ImageIds=[image_id], IncludeAllResourceTypes=True, MaxResults=5
    )
    second = ec2.describe_image_references(
        ImageIds=[image_id],
        IncludeAllResourceTypes=True,
        MaxResults=5,
        NextToken=first["NextToken"],
    )

    assert (len(first["ImageReferences"]), len(second["ImageReferences"])) == (5, 2)
    assert "NextToken" not in second
    paginator = ec2.get_paginator("describe_image_references")
    pages = paginator.paginate(
        ImageIds=[image_id], IncludeAllResourceTypes=True, PaginationConfig={"PageSize": 5}
    )
    arns = {r["Arn"] for page in pages for r in page["ImageReferences"]}
    assert arns == {_instance_arn(instance) for instance in instances}
    with pytest.raises(ClientError) as error:
        ec2.describe_image_references(
            ImageIds=[image_id], IncludeAllResourceTypes=True, NextToken="not-a-token"
        )
    assert _error(error)[0] == "InvalidParameterValue"


# -- LastLaunchedTime -----------------------------------------------------------------------------


def _last_launched(ec2: EC2Client, image_id: str) -> Any:
    attribute = ec2.describe_image_attribute(ImageId=image_id, Attribute="lastLaunchedTime")
    return attribute["LastLaunchedTime"]


def test_an_image_never_launched_has_no_last_launched_time(ec2: EC2Client, image_id: str) -> None:
    assert _last_launched(ec2, image_id) == {}
    assert "LastLaunchedTime" not in ec2.describe_images(ImageIds=[image_id])["Images"][0]


def test_a_launch_is_reported_24_hours_later(
    ec2_emulator: Ec2Emulator, ec2: EC2Client, image_id: str
) -> None:
    ec2_emulator.advance_clock(3 * 60 + 18.6)
    _instance(ec2, image_id)

    ec2_emulator.advance_clock(timedelta(hours=24) - timedelta(seconds=1))
    assert _last_launched(ec2, image_id) == {}
    ec2_emulator.advance_clock(1)
    assert _last_launched(ec2, image_id) == {"Value": "2025-06-01T12:03:18Z"}
    image = ec2.describe_images(ImageIds=[image_id])["Images"][0]
    assert image["LastLaunchedTime"] == "2025-06-01T12:03:18Z"


def test_the_latest_reported_launch_is_the_last_launched_time(
    ec2_emulator: Ec2Emulator, ec2: EC2Client, image_id: str
) -> None:
    ec2_emulator.update_settings(last_launched_delay_seconds=0)
    _instance(ec2, image_id)
    assert _last_launched(ec2, image_id) == {"Value": "2025-06-01T12:00:00Z"}

    ec2_emulator.advance_clock(timedelta(days=3))
    template = ec2.create_launch_template(
        LaunchTemplateName="web", LaunchTemplateData={"ImageId": image_id}
    )["LaunchTemplate"]["LaunchTemplateId"]
    ec2.run_instances(LaunchTemplate={"LaunchTemplateId": template}, MinCount=1, MaxCount=1)

    assert _last_launched(ec2, image_id) == {"Value": "2025-06-04T12:00:00Z"}
    assert ec2_emulator.image_details(image_id)["Launches"] == [
        "2025-06-01T12:00:00Z",
        "2025-06-04T12:00:00Z",
    ]


def test_only_the_owner_may_read_the_last_launched_time(
    ec2_emulator: Ec2Emulator, ec2: EC2Client
) -> None:
    foreign = ec2_emulator.seed_foreign_image(public=True)

    with pytest.raises(ClientError) as error:
        _last_launched(ec2, foreign)

    assert _error(error) == ("AuthFailure", f"Not authorized for image:{foreign}")


# -- the texts these behaviours follow ------------------------------------------------------------


def _doc(text: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", text))


def test_the_model_says_what_the_emulator_does() -> None:
    model = boto3.session.Session().client("ec2", region_name="us-east-1").meta.service_model
    request = model.operation_model("DescribeImageReferences").input_shape
    assert request is not None
    option: Any = model.shape_for("ResourceTypeOption")
    names = _doc(option.members["OptionName"].documentation)
    values = _doc(option.members["OptionValues"].documentation)
    kinds: Any = model.shape_for("ImageReferenceResourceType")
    image: Any = model.shape_for("Image")
    attribute: Any = model.shape_for("ImageAttribute")

    low, high = VERSION_DEPTH_RANGE

    assert kinds.enum == list(RESOURCE_TYPES)
    assert "Either IncludeAllResourceTypes or ResourceTypes must be specified" in _doc(
        request.members["IncludeAllResourceTypes"].documentation
    )
    assert request.members["ImageIds"].metadata["max"] == 10
    assert "starting from the most recent version" in names
    assert f"Valid values: {' | '.join(INSTANCE_STATES)} Default: All states" in values
    assert f"Integers between {low} and {high} Default: 10" in values
    for shape in (image, attribute):
        assert "there is a 24-hour delay before that usage is reported" in _doc(
            shape.members["LastLaunchedTime"].documentation
        )
